package recovery

import (
	"context"
	"time"
)

// RestartInPlace starts a primary that died without refusing its files
// (killed, stopped, OOM) on its own data — what a supervisor would do. With
// appendfsync always it loses nothing; with everysec at most about a second
// of writes; with RDB only, everything since the last save.
type RestartInPlace struct{}

// Name implements Strategy.
func (RestartInPlace) Name() string { return "restart-in-place" }

// Estimate implements Strategy.
func (RestartInPlace) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if inc.Kind != ShardLost && inc.Kind != PrimaryDown || inc.Failed == nil || !inc.PrimaryKnownDead {
		return Estimate{Why: "the node is not simply down"}, nil
	}
	lost := int64(-1)
	topo := env.Deployment().Topology()
	if topo.WritesAOF() && topo.AppendFsync == "always" {
		lost = 0
	}
	return Estimate{Applicable: true, Why: "start " + inc.Failed.Name() + " on its own files", LostKeys: lost, Duration: time.Second}, nil
}

// Execute implements Strategy.
func (RestartInPlace) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	n := inc.Failed
	if err := startSpan(ctx, tl, n); err != nil {
		return err
	}
	return tl.Do("rejoin", func() (string, error) { return rejoin(ctx, env.Deployment(), n) })
}
