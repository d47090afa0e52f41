package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// ReplaceFromAOF is ReplaceNode fed from a data-dir snapshot instead of a
// live RDB: the failed primary's newest verified snapshot (AOF base + incr
// files + manifest, without nodes.conf, so the fresh node gets a new
// identity) is copied into a fresh node, which loads it as its AOF, adopts
// the orphaned slots and gets a replica. It applies only when asked for by
// name, so the engine's own choice between ReplaceNode and it is unchanged.
type ReplaceFromAOF struct{}

// Name implements Strategy.
func (ReplaceFromAOF) Name() string { return "replace-from-aof" }

// Estimate implements Strategy.
func (s ReplaceFromAOF) Estimate(ctx context.Context, inc *Incident) (Estimate, error) {
	if inc.env.opts.Strategy != s.Name() {
		return Estimate{Why: "only when asked for by name"}, nil
	}
	if inc.env.dep.Topology.Kind != harness.KindCluster {
		return Estimate{Why: "needs a cluster"}, nil
	}
	if inc.Kind != ShardLost || inc.Failed == nil {
		return Estimate{Why: "the shard still has a node to restore"}, nil
	}
	m, _, err := inc.env.nodeSnapshot(inc.Failed.Name)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: "fresh node from snapshot " + m.ID, LostKeys: lossVersus(inc.PreFaultKeys, m.Keys+int64(m.AOFCommands)), Duration: 3 * time.Second}, nil
}

// Execute implements Strategy.
func (ReplaceFromAOF) Execute(ctx context.Context, inc *Incident, tl *Timeline) error {
	e, dep := inc.env, inc.env.dep
	var dataDir string
	err := tl.Do("fetch backup", func() (string, error) {
		m, dir, err := e.nodeSnapshot(inc.Failed.Name)
		dataDir = dir
		return fmt.Sprintf("%s (%d keys + %d AOF commands, taken %s)", m.ID, m.Keys, m.AOFCommands, m.Time.Format(time.TimeOnly)), err
	})
	if err != nil {
		return err
	}
	var fresh *harness.Node
	err = tl.Do("create container", func() (string, error) {
		var err error
		fresh, err = dep.CreateNode(ctx)
		if fresh == nil {
			return "", err
		}
		return fresh.Name, err
	})
	if err != nil {
		return err
	}
	if err := tl.Do("load data", func() (string, error) { return StageAOFDir(ctx, fresh, dataDir) }); err != nil {
		return err
	}
	if err := tl.Do("start container", func() (string, error) { return fresh.Name, startAndLoad(ctx, fresh) }); err != nil {
		return err
	}
	dead := append([]*harness.Node{inc.Failed}, inc.Replicas...)
	if err := e.fenceNodes(ctx, inc, tl, dead, true); err != nil {
		return err
	}
	err = tl.Do("rejoin", func() (string, error) { return adoptSlots(ctx, dep, fresh, dead, e.knownIDs(dead), inc.Slots) })
	if err != nil {
		return err
	}
	for _, n := range dead {
		dep.Retire(n)
	}
	return tl.Do("re-replicate", func() (string, error) { return addReplica(ctx, dep, fresh) })
}

// StageAOFDir copies the appendonlydir of a snapshot's host data dir (base,
// incr files and manifest; never nodes.conf) into a stopped node's data dir.
func StageAOFDir(ctx context.Context, n *harness.Node, hostDataDir string) (string, error) {
	src := filepath.Join(hostDataDir, harness.AOFDirName)
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("stage AOF dir: %w", err)
	}
	stage, err := os.MkdirTemp("", "redisdrill-stage-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := os.CopyFS(filepath.Join(stage, harness.AOFDirName), os.DirFS(src)); err != nil {
		return "", fmt.Errorf("stage AOF dir: %w", err)
	}
	if err := n.CopyDirIn(ctx, stage, harness.DataDir); err != nil {
		return "", fmt.Errorf("load snapshot into %s: %w", n.Name, err)
	}
	return harness.AOFDirName + " from snapshot", nil
}

// StageRDB lays a verified RDB out the way a node of topo loads it (as
// dump.rdb, or with AOF on as the base of a one-entry manifest) and copies
// it into the stopped node's data dir — what ReplaceNode does.
func StageRDB(ctx context.Context, n *harness.Node, topo harness.Topology, rdbPath string) (string, error) {
	return stageRDB(ctx, n, topo, rdbPath)
}
