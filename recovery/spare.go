package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// ensureSpare starts the engine's warm spare when the options ask for one
// and none is waiting.
func (e *Engine) ensureSpare(ctx context.Context) error {
	if !e.opts.WarmSpare || e.dep.Topology.Kind != harness.KindCluster {
		return nil
	}
	e.mu.Lock()
	have := e.spare != nil
	e.mu.Unlock()
	if have {
		return nil
	}
	n, err := e.dep.AddSpare(ctx)
	if err != nil {
		return fmt.Errorf("start warm spare: %w", err)
	}
	if err := joinSlotless(ctx, e.dep, n); err != nil {
		return err
	}
	e.mu.Lock()
	e.spare = n
	e.mu.Unlock()
	e.logger.Info("warm spare ready", "node", n.Name)
	return nil
}

// joinSlotless makes the spare a primary without slots of the cluster. A
// node that sits alone counts itself in a minority, and Redis keeps such a
// primary from serving for node-timeout after it rejoins (the rejoin delay);
// a spare that is already a member adopts slots without that wait.
func joinSlotless(ctx context.Context, dep *harness.Deployment, n *harness.Node) error {
	if err := n.WaitPing(ctx); err != nil {
		return err
	}
	members := dep.Nodes()
	if len(members) == 0 {
		return fmt.Errorf("join spare %s: no cluster members", n.Name)
	}
	if err := command(ctx, n, "CLUSTER", "MEET", members[0].IP(), strconv.Itoa(harness.RedisPort)); err != nil {
		return fmt.Errorf("join spare: %w", err)
	}
	id, err := n.RedisID(ctx)
	if err != nil {
		return err
	}
	return waitKnown(ctx, members, id)
}

// takeSpare hands out the warm spare, if any.
func (e *Engine) takeSpare() *harness.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.spare
	e.spare = nil
	return n
}

// loadIntoSpare puts a verified RDB into a running spare and loads it with
// DEBUG RELOAD NOSAVE: no restart, so no start-up cost and no writable
// delay. The spare must be empty.
func loadIntoSpare(ctx context.Context, n *harness.Node, rdbPath string) (string, error) {
	if keys, err := dbSize(ctx, n); err != nil || keys != 0 {
		return "", fmt.Errorf("load into spare %s: not empty (%d keys, %v)", n.Name, keys, err)
	}
	stage, err := os.MkdirTemp("", "redisdrill-spare-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := copyFile(rdbPath, filepath.Join(stage, harness.RDBFileName)); err != nil {
		return "", err
	}
	if err := n.CopyDirIn(ctx, stage, harness.DataDir); err != nil {
		return "", fmt.Errorf("load into spare %s: %w", n.Name, err)
	}
	c := n.Client()
	defer c.Close()
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := c.Do(rctx, "DEBUG", "RELOAD", "NOSAVE").Err(); err != nil {
		return "", fmt.Errorf("reload spare %s: %w", n.Name, err)
	}
	keys, err := c.DBSize(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("count keys on %s: %w", n.Name, err)
	}
	return fmt.Sprintf("%s loaded %d keys (DEBUG RELOAD, no restart)", n.Name, keys), nil
}

// persistLoaded makes the data a spare loaded durable in its own files: the
// AOF it had open holds none of it, so it is rewritten (or the RDB saved).
func persistLoaded(ctx context.Context, n *harness.Node, topo harness.Topology) (string, error) {
	aofOn := topo.Persistence == harness.PersistAOF || topo.Persistence == harness.PersistBoth || topo.Persistence == ""
	c := n.Client()
	defer c.Close()
	cmd, flag := "BGSAVE", "rdb_bgsave_in_progress"
	if aofOn {
		cmd, flag = "BGREWRITEAOF", "aof_rewrite_in_progress"
	}
	if err := c.Do(ctx, cmd).Err(); err != nil && !strings.Contains(err.Error(), "in progress") {
		return "", fmt.Errorf("persist %s: %w", n.Name, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		info, err := n.Info(wctx, "persistence")
		if err == nil && info[flag] == "0" && info["aof_rewrite_scheduled"] != "1" {
			return cmd + " done", nil
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("persist %s: %w", n.Name, wctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
