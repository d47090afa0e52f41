package recovery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// quarantinePrefix names the folder, inside a node's data dir, that holds
// the files a restore replaced. Nothing of the user's is deleted: the old
// files stay there until someone removes them after checking the restore.
const quarantinePrefix = ".redisdrill-quarantine-"

// dataFiles are the files a data restore replaces; identityFiles the ones
// that make a cluster node itself.
var (
	dataFiles     = []string{harness.RDBFileName, harness.AOFDirName}
	identityFiles = []string{harness.NodesConfName}
)

// quarantine moves the named files of a stopped node's data dir into a
// dated quarantine folder in the same volume and returns the folder.
func quarantine(ctx context.Context, n *harness.Node, files ...string) (string, error) {
	name := quarantineName()
	out, err := n.Shell(ctx, "set -e; "+quarantineScript(harness.DataDir, name, files))
	if err != nil {
		return "", fmt.Errorf("quarantine files of %s: %w", n.Name, err)
	}
	return harness.DataDir + "/" + name + " (" + strings.Join(strings.Fields(out), ", ") + ")", nil
}

// quarantineStopped quarantines the named files of every stopped node:
// through each running machine (an exec each, concurrently), and for the
// machines that are down in one toolbox container (harness.ShellStopped)
// instead of one per node.
func quarantineStopped(ctx context.Context, nodes []*harness.Node, files ...string) error {
	name := quarantineName()
	var up, down []*harness.Node
	for _, n := range nodes {
		running, err := n.MachineRunning(ctx)
		if err != nil {
			return fmt.Errorf("quarantine files: %w", err)
		}
		if running {
			up = append(up, n)
		} else {
			down = append(down, n)
		}
	}
	err := forEach(up, func(n *harness.Node) error {
		_, err := n.Shell(ctx, "set -e; "+quarantineScript(harness.DataDir, name, files))
		return err
	})
	if err != nil {
		return fmt.Errorf("quarantine files: %w", err)
	}
	if len(down) == 0 {
		return nil
	}
	script := "set -e"
	for _, n := range down {
		script += "; " + quarantineScript(harness.StoppedMount(n), name, files)
	}
	if _, err := harness.ShellStopped(ctx, down, script); err != nil {
		return fmt.Errorf("quarantine files: %w", err)
	}
	return nil
}

// quarantineName names a quarantine folder made now.
func quarantineName() string {
	return quarantinePrefix + time.Now().UTC().Format("20060102T150405.000")
}

// quarantineScript moves files of the data dir at root into its folder
// name, then lists the folder.
func quarantineScript(root, name string, files []string) string {
	dir := root + "/" + name
	return fmt.Sprintf("mkdir -p %s; for f in %s; do if [ -e %s/$f ]; then mv %s/$f %s/; fi; done; ls %s",
		dir, strings.Join(files, " "), root, root, dir, dir)
}

// stageRDB lays out a verified RDB the way the node's config loads it — as
// dump.rdb, or with AOF on as the base file of a fresh one-entry manifest
// (with AOF on, Redis ignores a lone dump.rdb and starts empty) — and copies
// it into the stopped node's data dir.
func stageRDB(ctx context.Context, n *harness.Node, topo harness.Topology, rdbPath string) (string, error) {
	stage, err := os.MkdirTemp("", "redisdrill-stage-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	var dst, what string
	if topo.WritesAOF() {
		dir := filepath.Join(stage, harness.AOFDirName)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("create staging dir: %w", err)
		}
		base := "appendonly.aof.1.base.rdb"
		manifest := "file " + base + " seq 1 type b\n"
		if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), []byte(manifest), 0o644); err != nil {
			return "", fmt.Errorf("write staged manifest: %w", err)
		}
		dst, what = filepath.Join(dir, base), "AOF base "+base
	} else {
		dst, what = filepath.Join(stage, harness.RDBFileName), harness.RDBFileName
	}
	if err := copyFile(rdbPath, dst); err != nil {
		return "", err
	}
	if err := n.CopyDirIn(ctx, stage, harness.DataDir); err != nil {
		return "", fmt.Errorf("load backup into %s: %w", n.Name, err)
	}
	return what, nil
}

// copyDirInto copies a host data dir (from a snapshot) into the node.
func copyDirInto(ctx context.Context, n *harness.Node, hostDir string) error {
	if err := n.CopyDirIn(ctx, hostDir, harness.DataDir); err != nil {
		return fmt.Errorf("copy files into %s: %w", n.Name, err)
	}
	return nil
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
func ensureStopped(ctx context.Context, n *harness.Node) error {
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
func startAndLoad(ctx context.Context, n *harness.Node) error {
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
)

// startSpan starts the node and waits for it to load as one span of tl,
// named for what the start costs (spanBootMachine or spanStartServer).
func startSpan(ctx context.Context, tl *Timeline, n *harness.Node) error {
	name := spanStartServer
	if up, err := n.MachineRunning(ctx); err == nil && !up {
		name = spanBootMachine
	}
	return tl.Do(name, func() (string, error) { return n.Name, startAndLoad(ctx, n) })
}

// dbSize returns DBSIZE of a node.
func dbSize(ctx context.Context, n *harness.Node) (int64, error) {
	c := n.Client()
	defer c.Close()
	return c.DBSize(ctx).Result()
}
