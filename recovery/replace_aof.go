package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ReplaceFromAOF is ReplaceNode fed from a data-dir snapshot instead of a
// live RDB: the failed primary's newest verified snapshot (AOF base + incr
// files + manifest, without nodes.conf, so the node keeps its own identity)
// goes into the engine's warm spare, or a node started empty on demand, in
// place of its own appendonlydir and is loaded with DEBUG LOADAOF; the node
// then adopts the orphaned slots and gets a replica (see replaceShard). It
// applies only when asked for by name, so the engine's own choice between
// ReplaceNode and it is unchanged.
type ReplaceFromAOF struct{}

// Name implements Strategy.
func (ReplaceFromAOF) Name() string { return "replace-from-aof" }

// Estimate implements Strategy.
func (s ReplaceFromAOF) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if env.Options().Strategy != s.Name() {
		return Estimate{Why: "only when asked for by name"}, nil
	}
	if env.Deployment().Topology().Kind != rediskit.KindCluster {
		return Estimate{Why: "needs a cluster"}, nil
	}
	if inc.Kind != ShardLost || inc.Failed == nil {
		return Estimate{Why: "the shard still has a node to restore"}, nil
	}
	m, dir, err := env.nodeSnapshot(inc.Failed.Name())
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, rediskit.AOFDirName)); err != nil {
		return Estimate{Why: "snapshot " + m.ID + " holds no " + rediskit.AOFDirName}, nil
	}
	how, took := "fresh node from snapshot ", 3*time.Second
	if spare := env.spareNow(); spare != nil {
		how, took = "warm spare "+spare.Name()+" from snapshot ", time.Second
	}
	return Estimate{Applicable: true, Why: how + m.ID, LostKeys: lossVersus(inc.PreFaultKeys, m.Keys+int64(m.AOFCommands)), Duration: took}, nil
}

// Execute implements Strategy.
func (ReplaceFromAOF) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e := env
	var dataDir string
	fetch := func() (string, error) {
		m, dir, err := e.nodeSnapshot(inc.Failed.Name())
		dataDir = dir
		if err == nil {
			e.noteBackup(m) // the report names the snapshot: loss is judged against its point
		}
		return fmt.Sprintf("%s (%d keys + %d AOF commands, taken %s)", m.ID, m.Keys, m.AOFCommands, m.Time.Format(time.TimeOnly)), err
	}
	return e.replaceShard(ctx, inc, tl, fetch, func(ctx context.Context, n deploy.Node) (string, error) {
		return loadAOFIntoSpare(ctx, n, dataDir)
	})
}

// StageAOFDir copies the appendonlydir of a snapshot's host data dir (base,
// incr files and manifest; never nodes.conf) into a node's data dir.
func StageAOFDir(ctx context.Context, n deploy.Node, hostDataDir string) (string, error) {
	src := filepath.Join(hostDataDir, rediskit.AOFDirName)
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("stage AOF dir: %w", err)
	}
	stage, err := os.MkdirTemp("", "redisdrill-stage-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := os.CopyFS(filepath.Join(stage, rediskit.AOFDirName), os.DirFS(src)); err != nil {
		return "", fmt.Errorf("stage AOF dir: %w", err)
	}
	if err := n.CopyDirIn(ctx, stage, n.DataDir()); err != nil {
		return "", fmt.Errorf("load snapshot into %s: %w", n.Name(), err)
	}
	return rediskit.AOFDirName + " from snapshot", nil
}

// StageRDB lays a verified RDB out the way a node of topo loads it (as
// dump.rdb, or with AOF on as the base of a one-entry manifest) and copies
// it into the stopped node's data dir — what ReplaceNode does.
func StageRDB(ctx context.Context, n deploy.Node, topo deploy.Topology, rdbPath string) (string, error) {
	return stageRDB(ctx, n, topo, rdbPath)
}
