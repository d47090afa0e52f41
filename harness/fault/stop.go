package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Stop stops the target nodes gracefully (SIGTERM: Redis saves and exits);
// Heal starts them again.
type Stop struct{ base }

// Name implements Fault.
func (*Stop) Name() string { return "stop" }

// Inject stops every target at once and returns once they have exited.
// The onset is marked just before the docker stops (SIGTERM).
func (f *Stop) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	return atOnce(ctx, nodes, onset, func(ctx context.Context, n deploy.Node) error {
		return n.Stop(ctx, gracefulStop)
	})
}

// Heal starts every stopped node and waits until it answers PING.
func (f *Stop) Heal(ctx context.Context, _ deploy.Deployment) error {
	return healAll(ctx, f.resolved(), ensureRunning)
}
