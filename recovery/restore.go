package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// RestoreInPlace brings the failed node back with its own identity (node id
// in nodes.conf, container, address) and its data from the newest verified
// backup of its shard. The node's current files are moved to a quarantine
// folder first, never deleted. When nodes.conf itself is what broke, it is
// restored from the node's newest verified data-dir snapshot.
type RestoreInPlace struct{}

// Name implements Strategy.
func (RestoreInPlace) Name() string { return "restore-in-place" }

// Estimate implements Strategy.
func (RestoreInPlace) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	switch inc.Kind {
	case RefusesStart, StartedEmpty, EmptyRestart, PrimaryDown, ShardLost:
	default:
		return Estimate{Why: "not a node-level failure"}, nil
	}
	if inc.Failed == nil {
		return Estimate{Why: "no failed node"}, nil
	}
	m, _, err := env.shardBackup(inc.Shard)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: "restore backup " + m.ID, LostKeys: lossVersus(inc.PreFaultKeys, m.Keys), Duration: 2 * time.Second}, nil
}

// Execute implements Strategy.
func (RestoreInPlace) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e, n := env, inc.Failed
	var rdbPath string
	err := tl.Do("fetch backup", func() (string, error) {
		m, p, why, err := e.restoreSource(ctx, inc)
		rdbPath = p
		e.noteBackup(m)
		return backupDetail(m, why), err
	})
	if err != nil {
		return err
	}
	identityBroken := inc.IdentityBroken
	return reloadInPlace(ctx, env, inc, tl, restoreFiles(identityBroken), payload{lay: func(dir string) (string, error) {
		what, err := layRDB(dir, e.Deployment().Topology(), rdbPath)
		if err != nil || !identityBroken {
			return what, err
		}
		return what + " + " + rediskit.NodesConfName, layIdentity(e, n, dir)
	}})
}

func restoreFiles(identity bool) []string {
	if identity {
		return append(append([]string(nil), dataFiles...), identityFiles...)
	}
	return dataFiles
}

// restoreIdentity puts the node's nodes.conf back from its newest verified
// snapshot.
func restoreIdentity(ctx context.Context, e Env, n deploy.Node) error {
	_, dir, err := e.nodeSnapshot(n.Name())
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, rediskit.NodesConfName))
	if err != nil {
		return fmt.Errorf("read snapshot nodes.conf: %w", err)
	}
	return n.WriteFile(ctx, n.DataDir()+"/"+rediskit.NodesConfName, data, 0o644)
}

// layIdentity copies the node's nodes.conf from its newest verified
// snapshot into dir.
func layIdentity(e Env, n deploy.Node, dir string) error {
	_, snap, err := e.nodeSnapshot(n.Name())
	if err != nil {
		return err
	}
	return copyFile(filepath.Join(snap, rediskit.NodesConfName), filepath.Join(dir, rediskit.NodesConfName))
}

// rejoin waits until a restored node is back in service: in a cluster, it
// is a primary serving slots (or a replica of whoever took them over) and
// sees cluster_state ok; standalone, it answers and is the primary again.
func rejoin(ctx context.Context, dep deploy.Deployment, n deploy.Node) (string, error) {
	if dep.Topology().Kind != rediskit.KindCluster {
		dep.SetPrimary(n)
		return n.Name() + " is primary", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		c := n.Client()
		text, err := c.ClusterInfo(ctx).Result()
		c.Close()
		if err == nil && rediskit.ParseInfo(text)["cluster_state"] == "ok" {
			return n.Name() + " sees cluster_state ok", nil
		}
		select {
		case <-ctx.Done():
			return "", errors.Join(fmt.Errorf("rejoin %s: %w", n.Name(), ctx.Err()), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// lossVersus estimates keys lost when a shard that held before keys comes
// back with after keys (unknown when before is unknown).
func lossVersus(before, after int64) int64 {
	if before < 0 {
		return -1
	}
	if after >= before {
		return 0
	}
	return before - after
}
