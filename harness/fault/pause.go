package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Pause freezes the target nodes (cgroup freezer): the process stays alive,
// sockets stay open, nothing answers. Heal thaws them.
type Pause struct{ base }

// Name implements Fault.
func (*Pause) Name() string { return "pause" }

// Inject freezes every target at once. The onset is marked just before
// the docker pauses.
func (f *Pause) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	return atOnce(ctx, nodes, onset, func(ctx context.Context, n deploy.Node) error {
		return pauseNode(ctx, n)
	})
}

// Heal thaws every paused target and waits until it answers PING. A
// target that is no longer running was fenced (killed) by the recovery
// engine while frozen: it is left down, for the engine to readmit.
func (f *Pause) Heal(ctx context.Context, _ deploy.Deployment) error {
	return healAll(ctx, f.resolved(), leftToEngine(func(ctx context.Context, n deploy.Node) error {
		paused, err := n.Paused(ctx)
		if err != nil {
			return err
		}
		if paused {
			if err := n.Unpause(ctx); err != nil {
				return err
			}
		}
		return n.WaitPing(ctx)
	}))
}
