package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// RestoreIdentity repairs a cluster node that refuses its nodes.conf
// ("corrupted cluster config file") while its data files are intact: only
// nodes.conf is quarantined and replaced by the one in the node's newest
// verified data-dir snapshot, so the node comes back as itself — same id,
// slots and epoch — with all its data.
type RestoreIdentity struct{}

// Name implements Strategy.
func (RestoreIdentity) Name() string { return "restore-identity" }

// Estimate implements Strategy.
func (RestoreIdentity) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if inc.Kind != RefusesStart || !inc.IdentityBroken || inc.AOFBroken {
		return Estimate{Why: "nodes.conf is not what broke"}, nil
	}
	m, _, err := env.nodeSnapshot(inc.Failed.Name())
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: "nodes.conf from " + m.ID, LostKeys: 0, Duration: time.Second}, nil
}

// Execute implements Strategy.
func (RestoreIdentity) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e, n := env, inc.Failed
	err := tl.Do("fetch backup", func() (string, error) {
		m, _, err := e.nodeSnapshot(n.Name())
		return fmt.Sprintf("%s (node id %s)", m.ID, m.NodeID), err
	})
	if err != nil {
		return err
	}
	return reloadInPlace(ctx, env, inc, tl, identityFiles, payload{lay: func(dir string) (string, error) {
		return rediskit.NodesConfName, layIdentity(e, n, dir)
	}})
}
