package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/harness"
)

// Stop stops the target nodes gracefully (SIGTERM: Redis saves and exits);
// Heal starts them again.
type Stop struct{ base }

// Name implements Fault.
func (*Stop) Name() string { return "stop" }

// Inject stops every target and returns once they have exited. The onset is
// marked just before the first docker stop (SIGTERM).
func (f *Stop) Inject(ctx context.Context, dep *harness.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		onset.Mark()
		if err := n.Stop(ctx, gracefulStop); err != nil {
			return err
		}
	}
	return nil
}

// Heal starts every stopped node and waits until it answers PING.
func (f *Stop) Heal(ctx context.Context, _ *harness.Deployment) error {
	return healAll(ctx, f.resolved(), ensureRunning)
}
