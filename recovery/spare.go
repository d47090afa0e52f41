package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// sparesWanted is how many warm spares the engine keeps: none without
// WarmSpare or outside a cluster; one to rebuild a lost shard on; and, where
// the shards have replicas, one more to become the rebuilt shard's replica.
// With both waiting, a replace starts no machine: on one host a container
// start stalls every node for a moment (0.2-1 s measured under load), and
// inside a drill's measured window that stall failed probe writes on
// shards the fault never touched.
func (e *Engine) sparesWanted() int {
	topo := e.dep.Topology()
	switch {
	case !e.opts.WarmSpare || topo.Kind != rediskit.KindCluster:
		return 0
	case topo.Replicas > 0:
		return 2
	}
	return 1
}

// ensureSpares starts the warm spares the engine is short of, at once, and
// makes each a slotless cluster member. It runs when the engine is made
// and when it is armed for a fault (Refresh): a recovery that used a spare
// does not replace it itself, so its measured window holds no machine
// start.
func (e *Engine) ensureSpares(ctx context.Context) error {
	e.mu.Lock()
	missing := e.sparesWanted() - len(e.spares)
	e.mu.Unlock()
	if missing <= 0 {
		return nil
	}
	started := make([]deploy.Node, missing)
	errs := make([]error, missing)
	var wg sync.WaitGroup
	for i := range missing {
		wg.Go(func() { started[i], errs[i] = e.startSpare(ctx) })
	}
	wg.Wait()
	e.mu.Lock()
	for _, n := range started {
		if n != nil {
			e.spares = append(e.spares, n)
		}
	}
	e.mu.Unlock()
	return errors.Join(errs...)
}

// startSpare starts one warm spare: a new node, joined to the cluster
// without slots.
func (e *Engine) startSpare(ctx context.Context) (deploy.Node, error) {
	n, err := e.dep.AddSpare(ctx)
	if err != nil {
		return nil, fmt.Errorf("start warm spare: %w", err)
	}
	if err := joinSlotless(ctx, n, e.dep.Nodes()); err != nil {
		return nil, fmt.Errorf("start warm spare: %w", err)
	}
	e.logger.Info("warm spare ready", "node", n.Name())
	return n, nil
}

// replicaMachine returns a member to make a replica of: a warm spare when
// one waits (enlisted), else a node started now.
func (e *Engine) replicaMachine(ctx context.Context) (deploy.Node, error) {
	if n := e.takeSpare(); n != nil {
		e.dep.Enlist(n)
		return n, nil
	}
	return e.dep.AddNode(ctx)
}

// joinSlotless makes n a primary without slots of the cluster the members
// form: it meets every member itself (no waiting for gossip to carry it to
// all of them) and waits until every member knows it. A
// node that sits alone counts itself in a minority, and Redis keeps such a
// primary from serving for node-timeout after it rejoins (the rejoin delay);
// a node that is already a member adopts slots without that wait.
func joinSlotless(ctx context.Context, n deploy.Node, members []deploy.Node) error {
	if err := n.WaitPing(ctx); err != nil {
		return err
	}
	if len(members) == 0 {
		return fmt.Errorf("join %s: no cluster members", n.Name())
	}
	for _, m := range members {
		if err := command(ctx, n, "CLUSTER", "MEET", m.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
			return fmt.Errorf("join %s: %w", n.Name(), err)
		}
	}
	id, err := n.RedisID(ctx)
	if err != nil {
		return err
	}
	return waitKnown(ctx, members, id)
}

// waitingSpares returns the warm spares not handed out yet.
func (e *Engine) waitingSpares() []deploy.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]deploy.Node(nil), e.spares...)
}

// takeSpare hands out a warm spare, if one waits.
func (e *Engine) takeSpare() deploy.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.spares) == 0 {
		return nil
	}
	n := e.spares[0]
	e.spares = e.spares[1:]
	return n
}

// startBlank starts a new, empty node and makes it a slotless member of
// the cluster (meeting only the live nodes: the dead ones are not
// forgotten yet), for a restore with no warm spare waiting. It is a spare
// started on demand: Redis Cluster's writable delay (2 s from the node's
// first cluster cron, which runs once the server is up) then runs while
// the data is copied, loaded and the slots adopted, instead of starting
// only after a load at start-up. It serves nothing before it owns slots,
// and it owns none before adoptSlots, after its data is in.
func startBlank(ctx context.Context, dep deploy.Deployment, dead []deploy.Node) (deploy.Node, string, error) {
	n, err := dep.AddSpare(ctx)
	if n == nil {
		return nil, "", fmt.Errorf("start blank node: %w", err)
	}
	if err != nil {
		dep.Retire(n)
		return nil, "", fmt.Errorf("start blank node: %w", err)
	}
	live := liveOthers(ctx, dep, dead, n)
	if err := joinSlotless(ctx, n, live); err != nil {
		dep.Retire(n)
		return nil, "", err
	}
	return n, fmt.Sprintf("%s started empty, joined %d live nodes without slots", n.Name(), len(live)), nil
}

// loadIntoSpare puts a verified RDB into a running spare and loads it with
// DEBUG RELOAD NOSAVE: no restart, so no start-up cost and no writable
// delay. The spare must be empty.
func loadIntoSpare(ctx context.Context, n deploy.Node, rdbPath string) (string, error) {
	if err := mustBeEmpty(ctx, n); err != nil {
		return "", err
	}
	stage, err := os.MkdirTemp("", "redisdrill-spare-")
	if err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := copyFile(rdbPath, filepath.Join(stage, rediskit.RDBFileName)); err != nil {
		return "", err
	}
	if err := n.CopyDirIn(ctx, stage, n.DataDir()); err != nil {
		return "", fmt.Errorf("load into spare %s: %w", n.Name(), err)
	}
	keys, err := debugLoad(ctx, n, "RELOAD", "NOSAVE")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s loaded %d keys (DEBUG RELOAD, no restart)", n.Name(), keys), nil
}

// loadAOFIntoSpare puts a verified data-dir snapshot's appendonlydir (base,
// incr files and manifest) into a running, empty spare in place of the
// spare's own (empty) one and loads it with DEBUG LOADAOF, which reads the
// manifest from disk and replays the files the way a start-up does (Redis
// 7.0 and 8.0, Valkey 8 and 9: src/debug.c). The spare keeps writing its
// AOF to the file it had open until startPersist gives it a new incr file.
// Redis 7.0 exits when the load fails (8.0 and Valkey reply an error): the
// caller treats either as a spare lost.
func loadAOFIntoSpare(ctx context.Context, n deploy.Node, hostDataDir string) (string, error) {
	if err := mustBeEmpty(ctx, n); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(hostDataDir, rediskit.AOFDirName)); err != nil {
		return "", fmt.Errorf("load AOF into spare %s: %w", n.Name(), err)
	}
	// The spare's own appendonlydir holds only its empty base and incr
	// files (DBSIZE is 0); the open incr file stays valid once unlinked.
	if _, err := n.Shell(ctx, "rm -rf "+n.DataDir()+"/"+rediskit.AOFDirName); err != nil {
		return "", fmt.Errorf("clear AOF dir of spare %s: %w", n.Name(), err)
	}
	if _, err := StageAOFDir(ctx, n, hostDataDir); err != nil {
		return "", err
	}
	keys, err := debugLoad(ctx, n, "LOADAOF")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s loaded %d keys (DEBUG LOADAOF, no restart)", n.Name(), keys), nil
}

// mustBeEmpty refuses a spare that holds keys.
func mustBeEmpty(ctx context.Context, n deploy.Node) error {
	if keys, err := dbSize(ctx, n); err != nil || keys != 0 {
		return fmt.Errorf("load into spare %s: not empty (%d keys, %v)", n.Name(), keys, err)
	}
	return nil
}

// debugLoad runs DEBUG <args> (a reload from the data dir) and returns the
// keys loaded.
func debugLoad(ctx context.Context, n deploy.Node, args ...string) (int64, error) {
	c := n.Client()
	defer c.Close()
	return debugLoadVia(ctx, c, n.Name(), args...)
}

// debugLoadVia runs DEBUG args through c (a client of the node named
// name) and returns DBSIZE after it.
func debugLoadVia(ctx context.Context, c *redis.Client, name string, args ...string) (int64, error) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := []any{"DEBUG"}
	for _, a := range args {
		cmd = append(cmd, a)
	}
	if err := c.Do(rctx, cmd...).Err(); err != nil {
		return 0, fmt.Errorf("debug %s on %s: %w", strings.ToLower(strings.Join(args, " ")), name, err)
	}
	keys, err := c.DBSize(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("count keys on %s: %w", name, err)
	}
	return keys, nil
}

// startPersist makes the data a spare loaded durable in its own files: with
// AOF on it starts BGREWRITEAOF, which opens a new incr file before it
// returns (every later write goes there, not into the file the spare had
// open before the load) and rewrites the base from memory; without AOF it
// starts BGSAVE. Called before the spare takes slots, so no acked write
// ever lands only in a file no manifest lists.
func startPersist(ctx context.Context, n deploy.Node, topo deploy.Topology) (string, error) {
	c := n.Client()
	defer c.Close()
	return startPersistVia(ctx, c, n.Name(), topo)
}

// startPersistVia is startPersist through c, a client of the node named
// name.
func startPersistVia(ctx context.Context, c *redis.Client, name string, topo deploy.Topology) (string, error) {
	cmd := "BGSAVE"
	if topo.WritesAOF() {
		cmd = "BGREWRITEAOF"
	}
	if err := c.Do(ctx, cmd).Err(); err != nil && !strings.Contains(err.Error(), "in progress") {
		return "", fmt.Errorf("persist %s: %w", name, err)
	}
	if cmd != "BGREWRITEAOF" {
		return cmd + " started", nil
	}
	// A rewrite only scheduled (a save was running) has not opened its
	// incr file yet: wait until it runs.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		text, err := c.Info(wctx, "persistence").Result()
		if err == nil && rediskit.ParseInfo(text)["aof_rewrite_scheduled"] != "1" {
			return cmd + " started", nil
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("persist %s: rewrite still scheduled: %w", name, wctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitPersisted waits for the rewrite (or save) startPersist began.
func waitPersisted(ctx context.Context, n deploy.Node, topo deploy.Topology) (string, error) {
	cmd, flag := "BGSAVE", "rdb_bgsave_in_progress"
	if topo.WritesAOF() {
		cmd, flag = "BGREWRITEAOF", "aof_rewrite_in_progress"
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		info, err := n.Info(wctx, "persistence")
		if err == nil && info[flag] == "0" && info["aof_rewrite_scheduled"] != "1" {
			if st := info["aof_last_bgrewrite_status"]; topo.WritesAOF() && st != "" && st != "ok" {
				return "", fmt.Errorf("persist %s: aof_last_bgrewrite_status %s", n.Name(), st)
			}
			return cmd + " done", nil
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("persist %s: %w", n.Name(), wctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
