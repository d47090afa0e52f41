package fault

import (
	"context"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Crash kills the target nodes' server processes with SIGKILL while their
// machines stay up: production's "redis-server died". Each node's service
// manager then restarts its server, or leaves it down, by the deployment's
// restart policy (harness.Topology.Restart). Heal starts a server that is
// still down and waits until it answers PING.
type Crash struct{ base }

// Name implements Fault.
func (*Crash) Name() string { return "crash" }

// Inject crashes every target's server at once. The onset is marked just
// before the kills.
func (f *Crash) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	return atOnce(ctx, nodes, onset, func(ctx context.Context, n deploy.Node) error { return crashNode(ctx, n) })
}

// Heal starts every crashed server that is down and still part of the
// deployment, and waits until it answers PING.
func (f *Crash) Heal(ctx context.Context, dep deploy.Deployment) error {
	return healAll(ctx, members(dep, f.resolved()), ensureRunning)
}
