package detect

import (
	"context"
	"errors"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// pumpMachineEvents records the provider's machine events until ctx ends,
// resubscribing (from the last event seen) if the stream breaks.
func (d *Detector) pumpMachineEvents(ctx context.Context, w deploy.MachineWatcher, events <-chan deploy.MachineEvent, errs <-chan error) {
	var last time.Time
	for {
		err := d.drainMachineEvents(ctx, events, errs, &last)
		if ctx.Err() != nil {
			return
		}
		d.logger.Warn("machine event stream broke; resubscribing", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
		events, errs = w.WatchMachines(ctx, last.Add(time.Nanosecond))
	}
}

func (d *Detector) drainMachineEvents(ctx context.Context, events <-chan deploy.MachineEvent, errs <-chan error, last *time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err, ok := <-errs:
			if !ok || err == nil {
				return errors.New("event stream closed")
			}
			return err
		case m, ok := <-events:
			if !ok {
				return errors.New("event stream closed")
			}
			e := machineEvent(m)
			if st, ok := d.peers.get(e.Node); ok {
				e.Role = st.Role
			}
			if e.Time.After(*last) {
				*last = e.Time
			}
			d.events.add(e)
			switch m.Action {
			case "start", "restart", "unpause":
				d.pokeNode(e.Node)
			}
		}
	}
}

// machineEvent converts a provider's machine event into an Event.
func machineEvent(m deploy.MachineEvent) Event {
	return Event{Time: m.Time, Node: m.Node, Kind: Kind(m.Action), Source: SourceMachine, Detail: m.Detail}
}
