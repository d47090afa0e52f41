package detect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ErrStopped is returned by Wait when the detector stops before a match.
var ErrStopped = errors.New("detector stopped")

// Detector merges Docker container events and Redis probes of one
// deployment into a single record of timestamped events.
type Detector struct {
	dep    deploy.Deployment
	opts   Options
	logger *slog.Logger
	events *eventLog
	peers  *peerTable
	// probers maps node name -> *prober, so Docker events can wake a probe.
	probers sync.Map

	cancel   context.CancelFunc
	ctx      context.Context
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// Start begins watching dep. It returns once the Docker event subscription
// is open and every node has been probed once, so the first probe round is
// the baseline later changes are compared with. The detector runs until
// Stop is called or ctx ends; call Stop in every case to release it.
func Start(ctx context.Context, dep deploy.Deployment, opts Options) (*Detector, error) {
	if dep == nil {
		return nil, errors.New("start detector: nil deployment")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("start detector: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	d := &Detector{
		dep: dep, opts: o, logger: o.Logger.With("component", "detect", "run", dep.RunID()),
		events: newEventLog(), peers: newPeerTable(), ctx: rctx, cancel: cancel,
	}
	if !o.NoDocker {
		w, ok := dep.(deploy.MachineWatcher)
		if !ok {
			cancel()
			return nil, errors.New("start detector: the deployment reports no machine events (use probe mode)")
		}
		events, errs := w.WatchMachines(rctx, time.Time{})
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.pumpMachineEvents(rctx, w, events, errs)
		}()
	}
	first := &sync.WaitGroup{}
	probes := map[string]context.CancelFunc{}
	for _, n := range dep.Nodes() {
		first.Add(1)
		probes[n.Name()] = d.startProbe(rctx, n, first.Done)
	}
	first.Wait()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.superviseNodes(rctx, probes)
	}()
	return d, nil
}

// superviseNodes starts probes for nodes added to the deployment and stops
// those of retired nodes.
func (d *Detector) superviseNodes(ctx context.Context, probes map[string]context.CancelFunc) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		live := map[string]bool{}
		for _, n := range d.dep.Nodes() {
			live[n.Name()] = true
			if _, ok := probes[n.Name()]; !ok {
				probes[n.Name()] = d.startProbe(ctx, n, func() {})
			}
		}
		for name, stop := range probes {
			if !live[name] {
				stop()
				delete(probes, name)
				d.peers.forget(name)
			}
		}
	}
}

// Stop ends every source and releases clients and subscriptions. The
// recorded events stay readable. It is safe to call more than once.
func (d *Detector) Stop() {
	d.stopOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
		d.events.close()
	})
}

// Events returns a channel carrying every event from the first one, in the
// order they were recorded; it is closed when the detector stops.
func (d *Detector) Events() <-chan Event { return d.Subscribe(context.Background()) }

// Subscribe is Events bounded by ctx: the channel also closes when ctx
// ends. Events not received by then remain available through All.
func (d *Detector) Subscribe(ctx context.Context) <-chan Event {
	out := make(chan Event, 64)
	sctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.ctx, cancel)
	go func() {
		defer stop()
		defer cancel()
		d.events.follow(sctx, out)
	}()
	return out
}

// Wait returns the first recorded event (past or future) for which pred
// returns true, or an error when ctx ends or the detector stops first.
func (d *Detector) Wait(ctx context.Context, pred func(Event) bool) (Event, error) {
	next := 0
	for {
		evs, sig, closed := d.events.from(next)
		for _, e := range evs {
			if pred(e) {
				return e, nil
			}
		}
		next += len(evs)
		if closed {
			return Event{}, ErrStopped
		}
		select {
		case <-sig:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("wait for event: %w", ctx.Err())
		case <-d.ctx.Done():
			// the detector is stopping: one last scan, then give up
			if evs, _, _ := d.events.from(next); len(evs) == 0 {
				return Event{}, ErrStopped
			}
		}
	}
}

// Match returns a predicate for Wait: events at or after t0, on node (any
// node when empty), of one of kinds (any kind when none given).
func Match(t0 time.Time, node string, kinds ...Kind) func(Event) bool {
	return func(e Event) bool {
		return !e.Time.Before(t0) && (node == "" || e.Node == node) && (len(kinds) == 0 || slices.Contains(kinds, e.Kind))
	}
}

// FirstAfter returns the earliest event at or after t0 of one of kinds (any
// kind when none given), and whether there is one.
func (d *Detector) FirstAfter(t0 time.Time, kinds ...Kind) (Event, bool) {
	m := Match(t0, "", kinds...)
	for _, e := range d.events.sorted() {
		if m(e) {
			return e, true
		}
	}
	return Event{}, false
}

// All returns every event recorded so far, ordered by time.
func (d *Detector) All() []Event { return d.events.sorted() }

// WriteJSONL writes every event recorded so far, ordered by time, one JSON
// object per line.
func (d *Detector) WriteJSONL(w io.Writer) error { return writeJSONL(w, d.events.sorted()) }

// Status returns what the probe of the named node last learned, and whether
// the node has been probed at all.
func (d *Detector) Status(node string) (NodeStatus, bool) { return d.peers.get(node) }

// Mode returns the detector's mode (ModeProbe without the Docker source).
func (d *Detector) Mode() Mode { return d.opts.Mode() }

// DownAfter returns the detect window W in effect.
func (d *Detector) DownAfter() time.Duration { return d.opts.DownAfter }
