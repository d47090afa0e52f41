package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/harness"
)

// Kill sends SIGKILL to the target nodes; Heal starts them again.
type Kill struct{ base }

// Name implements Fault.
func (*Kill) Name() string { return "kill" }

// Inject kills every target at once (all SIGKILLs in flight together) and
// returns once their containers have exited. The onset is marked just
// before the SIGKILLs.
func (f *Kill) Inject(ctx context.Context, dep *harness.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	return atOnce(ctx, nodes, onset, func(ctx context.Context, n *harness.Node) error {
		if err := n.Kill(ctx, "SIGKILL"); err != nil {
			return err
		}
		return waitExited(ctx, n)
	})
}

// Heal starts every killed node that is still part of the deployment and
// waits until it answers PING. A node the recovery engine retired (replaced
// by a fresh one) is left down: starting it would resurrect a member the
// cluster has forgotten.
func (f *Kill) Heal(ctx context.Context, dep *harness.Deployment) error {
	return healAll(ctx, members(dep, f.resolved()), ensureRunning)
}
