package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Kill crashes the target nodes' machines (SIGKILL to the container: the
// service manager and the server die together, as in a power cut); Heal
// boots them again. It is registered as "kill" (the name the catalog's
// scenarios have always used) and "machine-crash"; Crash is the fault that
// kills only the server process.
type Kill struct {
	base
	name string
}

// Name implements Fault.
func (f *Kill) Name() string {
	if f.name == "" {
		return "kill"
	}
	return f.name
}

// Inject kills every target at once (all SIGKILLs in flight together) and
// returns once their containers have exited. The onset is marked just
// before the SIGKILLs.
func (f *Kill) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	return atOnce(ctx, nodes, onset, func(ctx context.Context, n deploy.Node) error {
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
func (f *Kill) Heal(ctx context.Context, dep deploy.Deployment) error {
	return healAll(ctx, members(dep, f.resolved()), ensureRunning)
}
