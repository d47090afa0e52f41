package recovery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// quarantinePrefix names the folder, inside a node's data dir, that holds
// the files a restore replaced. Nothing of the user's is deleted: the old
// files stay there until someone removes them after checking the restore.
const quarantinePrefix = ".redisdrill-quarantine-"

// dataFiles are the files a data restore replaces; identityFiles the ones
// that make a cluster node itself.
var (
	dataFiles     = []string{rediskit.RDBFileName, rediskit.AOFDirName}
	identityFiles = []string{rediskit.NodesConfName}
)

// quarantine moves the named files of a stopped node's data dir into a
// dated quarantine folder in the same data dir and returns the folder.
func quarantine(ctx context.Context, n deploy.Node, files ...string) (string, error) {
	return n.Quarantine(ctx, quarantineName(), files)
}

// quarantineStopped quarantines the named files of every stopped node into
// one dated folder each (the provider does machines that are down at
// once).
func quarantineStopped(ctx context.Context, dep deploy.Deployment, nodes []deploy.Node, files ...string) error {
	return dep.QuarantineAll(ctx, nodes, quarantineName(), files)
}

// quarantineName names a quarantine folder made now.
func quarantineName() string {
	return quarantinePrefix + time.Now().UTC().Format("20060102T150405.000")
}

// layRDB lays out a verified RDB in dir the way the node's config loads
// it: as dump.rdb, or with AOF on as the base file of a fresh one-entry
// manifest (with AOF on, Redis ignores a lone dump.rdb and starts empty).
func layRDB(dir string, topo deploy.Topology, rdbPath string) (string, error) {
	if !topo.WritesAOF() {
		return rediskit.RDBFileName, copyFile(rdbPath, filepath.Join(dir, rediskit.RDBFileName))
	}
	aofDir := filepath.Join(dir, rediskit.AOFDirName)
	if err := os.MkdirAll(aofDir, 0o755); err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	base := "appendonly.aof.1.base.rdb"
	manifest := "file " + base + " seq 1 type b\n"
	if err := os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), []byte(manifest), 0o644); err != nil {
		return "", fmt.Errorf("write staged manifest: %w", err)
	}
	return "AOF base " + base, copyFile(rdbPath, filepath.Join(aofDir, base))
}

// stageRDB copies a verified RDB, laid out by layRDB, into the stopped
// node's data dir.
func stageRDB(ctx context.Context, n deploy.Node, topo deploy.Topology, rdbPath string) (string, error) {
	stage, err := os.MkdirTemp("", "redisdrill-stage-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	what, err := layRDB(stage, topo, rdbPath)
	if err != nil {
		return "", err
	}
	if err := n.CopyDirIn(ctx, stage, n.DataDir()); err != nil {
		return "", fmt.Errorf("load backup into %s: %w", n.Name(), err)
	}
	return what, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// ensureStopped stops the node's server and keeps it down (paused nodes
// are unpaused first).
func ensureStopped(ctx context.Context, n deploy.Node) error {
	if n.Supervised() {
		// Stopped through the service manager even when the server is
		// down right now: after a refused start s6 respawns it within a
		// second, and only a stop keeps it down. (Measured: a restore
		// that skipped the stop here met a respawn between quarantine
		// and install; the server started empty over the moved files.)
		return n.Stop(ctx, 5*time.Second)
	}
	if paused, _ := n.Paused(ctx); paused {
		_ = n.Unpause(ctx)
	}
	running, err := n.Running(ctx)
	if err != nil || !running {
		return err
	}
	return n.Stop(ctx, 5*time.Second)
}

// startAndLoad starts the node and waits until it answers PING after
// loading its data (or reports that redis-server exited).
func startAndLoad(ctx context.Context, n deploy.Node) error {
	if err := n.Start(ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return n.WaitPing(wctx)
}

// Span names of a node's start: a machine that is down boots (a container
// start, and its service manager starts the server), a machine that is up
// only starts its server.
const (
	spanBootMachine = "boot machine"
	spanStartServer = "start server"
	// spanBootHeld boots machines with their servers held down, beside
	// the fetch of what will be installed (see bootHeld).
	spanBootHeld = "boot machines"
	// spanStartClosed starts servers closed beside the fetch (see
	// startClosedBeside).
	spanStartClosed = "start closed"
)

// startSpan starts the node and waits for it to load as one span of tl,
// named for what the start costs (spanBootMachine or spanStartServer).
func startSpan(ctx context.Context, tl *Timeline, n deploy.Node) error {
	name := spanStartServer
	if up, err := n.MachineRunning(ctx); err == nil && !up {
		name = spanBootMachine
	}
	return tl.Do(name, func() (string, error) { return n.Name(), startAndLoad(ctx, n) })
}

// dbSize returns DBSIZE of a node.
func dbSize(ctx context.Context, n deploy.Node) (int64, error) {
	c := n.Client()
	defer c.Close()
	return c.DBSize(ctx).Result()
}
