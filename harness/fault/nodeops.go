package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// gracefulStop is how long a graceful stop waits before SIGKILL.
const gracefulStop = 10 * time.Second

// ensureRunning unpauses or starts n as needed and waits until it answers
// PING. It returns an error if redis-server exits (e.g. refuses its files).
func ensureRunning(ctx context.Context, n *harness.Node) error {
	paused, err := n.Paused(ctx)
	if err != nil {
		return err
	}
	if paused {
		if err := n.Unpause(ctx); err != nil {
			return err
		}
	}
	running, err := n.Running(ctx)
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

// waitExited polls until the node's container has exited.
func waitExited(ctx context.Context, n *harness.Node) error {
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
			return fmt.Errorf("wait for %s to exit: %w", n.Name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// healAll runs heal on every node and joins the errors.
func healAll(ctx context.Context, nodes []*harness.Node, heal func(context.Context, *harness.Node) error) error {
	var errs []error
	for _, n := range nodes {
		if err := heal(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
