package fault

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// gracefulStop is how long a graceful stop waits before SIGKILL.
const gracefulStop = 10 * time.Second

// ensureRunning unpauses or starts n as needed and waits until it answers
// PING. It returns an error if redis-server exits (e.g. refuses its files).
func ensureRunning(ctx context.Context, n deploy.Node) error {
	running, err := thawed(ctx, n)
	if err != nil {
		return err
	}
	if !running {
		if err := n.Start(ctx); err != nil {
			return err
		}
	}
	return n.WaitPing(ctx)
}

// thawed unpauses n when it is frozen and reports whether its server runs
// (one inspect, and one status read of a supervised server, when it was
// not frozen).
func thawed(ctx context.Context, n deploy.Node) (bool, error) {
	running, paused, err := n.State(ctx)
	if err != nil || !paused {
		return running, err
	}
	if err := n.Unpause(ctx); err != nil {
		return false, err
	}
	return n.Running(ctx)
}

// waitExited polls until the node's container has exited.
func waitExited(ctx context.Context, n deploy.Node) error {
	for {
		_, exited, err := n.Exited(ctx)
		if err != nil {
			return err
		}
		if exited {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to exit: %w", n.Name(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// leftToEngine wraps the heal of a fault that leaves its node running
// (pause, partition, netem): a node that is not running was fenced (killed)
// by the recovery engine and is left down for the engine to readmit. That
// includes a node killed while its heal runs (the heal's exec then fails
// with "cannot exec in a stopped state"), so a failed heal counts as done
// when the node is found stopped afterwards.
func leftToEngine(heal func(context.Context, deploy.Node) error) func(context.Context, deploy.Node) error {
	return func(ctx context.Context, n deploy.Node) error {
		if stoppedByEngine(ctx, n) {
			return nil
		}
		err := heal(ctx, n)
		if err != nil && stoppedByEngine(ctx, n) {
			return nil
		}
		return err
	}
}

// stoppedByEngine reports whether n's machine is down (the engine fences
// by crashing the machine; an inspect error counts as not stopped, so the
// heal reports it).
func stoppedByEngine(ctx context.Context, n deploy.Node) bool {
	up, err := n.MachineRunning(ctx)
	return err == nil && !up
}

// atOnce marks the onset, then runs act on every node concurrently and
// joins the errors: a fault on several nodes hits them together, as a power
// cut or a mass kill does, instead of one Docker call after another (six
// of those spread over about a second on a small host, and that second
// counted in the RTO).
func atOnce(ctx context.Context, nodes []deploy.Node, onset *Onset, act func(context.Context, deploy.Node) error) error {
	if len(nodes) == 0 {
		return nil
	}
	onset.Mark()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = act(ctx, n) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// healAll runs heal on every node and joins the errors.
func healAll(ctx context.Context, nodes []deploy.Node, heal func(context.Context, deploy.Node) error) error {
	var errs []error
	for _, n := range nodes {
		if err := heal(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
