package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
	"golang.org/x/sync/errgroup"
)

// launch creates, starts and forms every node of the topology, each node in
// its own goroutine: a node is formed (form.Former.Join) as soon as its server
// answers, while other nodes are still starting. The first error cancels
// the others; nodes created so far stay recorded for Terminate.
//
// The primaries go first: the replicas are created once every primary
// container has started. A primary is ready 2 s after its server starts
// (Redis Cluster's writable delay), a replica a few hundred ms after its
// own, so on a small host creating and starting every container at once
// only delays the primaries; creating the replicas early but starting them
// late was slower too (3x1 on 2 CPUs under load: medians 3.0-3.3 s against
// 2.8 s).
func (dep *Deployment) launch(ctx context.Context, clock *setupClock) error {
	count := dep.Topology.NodeCount()
	primaries := dep.Topology.ShardCount()
	first := dep.reserve(count)
	// The shared formation (internal/form). Primaries do not confirm
	// their slots (form.Options.ConfirmSlots): the formation was tuned
	// without it.
	f := form.NewFormer(form.Options[*Node]{Topology: dep.Topology, Primary: dep.setPrimary,
		Listen: func(ctx context.Context, n *Node) error { return n.waitListening(ctx) }})
	gate := newCountdown(primaries)
	var probe sync.Once
	g, gctx := errgroup.WithContext(ctx)
	// Sentinels start with the replicas and monitor the primary once
	// every server is formed (formSentinels).
	for i := range dep.Topology.SentinelCount() {
		g.Go(func() error {
			if err := gate.wait(gctx); err != nil {
				return err
			}
			return dep.startSentinel(gctx, i, clock)
		})
	}
	for i := range count {
		g.Go(func() error {
			primary := i < primaries
			if !primary {
				if err := gate.wait(gctx); err != nil {
					return err
				}
			}
			t0 := time.Now()
			n, err := dep.createNode(gctx, first+i, false)
			if err != nil {
				return err
			}
			created := time.Since(t0)
			t1 := time.Now()
			if err := n.Start(gctx); err != nil {
				return err
			}
			started := time.Since(t1)
			if primary {
				gate.done()
			}
			clock.mark(atContainers)
			if n.IP() != "" { // a container that exited at once has none; waitListening reports it
				probe.Do(func() { dep.dialer.probeRoute(gctx, n.Addr()) })
			}
			var listening time.Duration
			if err := f.Join(gctx, i, n, func() { listening = time.Since(t1); clock.mark(atListening) }); err != nil {
				return err
			}
			clock.mark(atFormed)
			dep.logger.Debug("node formed", "node", n.Name(), "create", ms(created), "start", ms(started),
				"listening_after_start", ms(listening), "formed_after_start", ms(time.Since(t1)),
				"since_start", ms(time.Since(clock.t0)))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("launch %s: %w", dep.Topology, err)
	}
	if dep.Topology.Kind == KindSentinel {
		if err := dep.formSentinels(ctx); err != nil {
			return fmt.Errorf("launch %s: %w", dep.Topology, err)
		}
		clock.mark(atFormed)
	}
	return nil
}

// countdown is closed once done has been called n times.
type countdown struct {
	mu   sync.Mutex
	left int
	ch   chan struct{}
}

func newCountdown(n int) *countdown {
	c := &countdown{left: n, ch: make(chan struct{})}
	if n <= 0 {
		close(c.ch)
	}
	return c
}

// done counts one down.
func (c *countdown) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.left--
	if c.left == 0 {
		close(c.ch)
	}
}

// wait blocks until the count reaches zero or ctx ends.
func (c *countdown) wait(ctx context.Context) error {
	select {
	case <-c.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ms rounds d to the millisecond for logs.
func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
