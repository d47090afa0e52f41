package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Restart stops the target nodes gracefully and starts them again; Inject
// returns once they answer PING. Heal only makes sure they run.
type Restart struct{ base }

// Name implements Fault.
func (*Restart) Name() string { return "restart" }

// Inject restarts every target. The onset is marked just before the first
// docker stop, so t0 covers the whole stop and start.
func (f *Restart) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
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
	for _, n := range nodes {
		if err := ensureRunning(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Heal makes sure every target runs (in case Inject stopped half way).
func (f *Restart) Heal(ctx context.Context, _ deploy.Deployment) error {
	return healAll(ctx, f.resolved(), ensureRunning)
}
