package process

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

// launch creates, starts and forms every node of the topology, each node
// in its own goroutine: a node is formed (form.Former.Join) as soon as its
// server answers, while the others are still starting. The first error
// cancels the others; nodes created so far stay recorded for Terminate.
//
// The primaries start first, the replicas once every primary answers: a
// primary is ready no sooner than 2 s after its server initialized (Redis
// Cluster's writable delay), and a server takes ~80 ms to initialize
// alone here but 350-500 ms when six start at once on 2 CPUs; a replica
// is ready a few hundred ms after its own start, well within the
// primaries' delay.
func (dep *Deployment) launch(ctx context.Context) error {
	count := dep.topo.NodeCount()
	primaries := dep.topo.ShardCount()
	first := dep.reserve(count)
	// The shared formation (internal/form). Each cluster primary confirms
	// its slots (form.Options.ConfirmSlots): it meets again every node
	// that does not list them yet, rather than leave that node's
	// cluster_state fail until the primary's next periodic ping.
	f := form.NewFormer(form.Options[*Node]{Topology: dep.topo, ConfirmSlots: true,
		Primary: func(n *Node) { dep.SetPrimary(n) },
		Listen:  func(ctx context.Context, n *Node) error { return n.waitListening(ctx) }})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t0 := time.Now()
	errs := make([]error, count)
	var listening sync.WaitGroup // the primaries' servers
	listening.Add(primaries)
	var wg sync.WaitGroup
	for i := range count {
		wg.Go(func() {
			primary := i < primaries
			if !primary {
				listening.Wait()
			}
			var once sync.Once
			answered := func() {
				if primary {
					once.Do(listening.Done)
				}
			}
			errs[i] = dep.launchNode(ctx, f, first+i, i, t0, answered)
			answered() // also when it failed before
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	// The first error in time cancelled the others: report it, not theirs.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("launch %s: %w", dep.topo, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("launch %s: %w", dep.topo, err)
	}
	return nil
}

// launchNode creates node idx, boots it and forms it as position i;
// listening is called once its server answers.
func (dep *Deployment) launchNode(ctx context.Context, f *form.Former[*Node], idx, i int, t0 time.Time, listening func()) error {
	n, err := dep.createNode(idx, false)
	if err != nil {
		return err
	}
	if err := n.Start(ctx); err != nil {
		return err
	}
	started := time.Since(t0)
	if err := f.Join(ctx, i, n, listening); err != nil {
		return err
	}
	dep.logger.Debug("node formed", "node", n.Name(), "addr", n.Addr(),
		"started", started.Round(time.Millisecond), "formed", time.Since(t0).Round(time.Millisecond))
	return nil
}
