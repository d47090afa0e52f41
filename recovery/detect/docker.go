package detect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/redisdrill/redisdrill/harness"
)

// dockerActions are the container actions the detector reports.
var dockerActions = []string{"die", "oom", "stop", "kill", "pause", "unpause", "start", "restart"}

// openDockerEvents subscribes to the run's container events. It returns once
// the daemon accepted the subscription, so nothing after Start is missed.
func openDockerEvents(ctx context.Context, api *client.Client, runID string, since time.Time) client.EventsResult {
	f := client.Filters{}.
		Add("type", string(events.ContainerEventType)).
		Add("label", harness.LabelRun+"="+runID).
		Add("event", dockerActions...)
	opts := client.EventsListOptions{Filters: f}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	return api.Events(ctx, opts)
}

// pumpDockerEvents records Docker events until ctx ends, resubscribing
// (from the last event seen) if the stream breaks.
func (d *Detector) pumpDockerEvents(ctx context.Context, res client.EventsResult) {
	var last time.Time
	for {
		err := d.drainDocker(ctx, res, &last)
		if ctx.Err() != nil {
			return
		}
		d.logger.Warn("docker event stream broke; resubscribing", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
		res = openDockerEvents(ctx, d.dep.Docker().API(), d.dep.RunID, last.Add(time.Nanosecond))
	}
}

func (d *Detector) drainDocker(ctx context.Context, res client.EventsResult, last *time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err, ok := <-res.Err:
			if !ok {
				return errors.New("event stream closed")
			}
			return err
		case m := <-res.Messages:
			e := dockerEvent(m)
			if st, ok := d.peers.get(e.Node); ok {
				e.Role = st.Role
			}
			if e.Time.After(*last) {
				*last = e.Time
			}
			d.events.add(e)
			switch m.Action {
			case events.ActionStart, events.ActionRestart, events.ActionUnPause:
				d.pokeNode(e.Node)
			}
		}
	}
}

// dockerEvent converts a container event message into an Event.
func dockerEvent(m events.Message) Event {
	t := time.Unix(0, m.TimeNano)
	if m.TimeNano == 0 {
		t = time.Unix(m.Time, 0)
	}
	e := Event{Time: t, Node: m.Actor.Attributes["name"], Kind: Kind(m.Action), Source: SourceDocker}
	switch m.Action {
	case events.ActionDie:
		e.Detail = "exitCode=" + m.Actor.Attributes["exitCode"]
	case events.ActionKill:
		e.Detail = "signal=" + m.Actor.Attributes["signal"]
	}
	return e
}
