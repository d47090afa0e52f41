package session

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
)

// TestWatcherConfirmsSplitBrain makes a real split brain and checks that
// the watcher reports it, and only then: shard 0's primary is cut off the
// cluster bus (port 16379) but still answers clients, and its replica takes
// the slots over with CLUSTER FAILOVER TAKEOVER. Until node-timeout the old
// primary still believes it owns them, so both acknowledge writes.
func TestWatcherConfirmsSplitBrain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topo := rediskit.DefaultCluster()
	topo.Persistence, topo.NodeTimeout = harness.PersistNone, 15*time.Second
	dep := testenv.StartDeployment(ctx, t, topo)
	shards, err := dep.LiveShards(ctx)
	if err != nil || len(shards) != 3 || len(shards[0].Replicas) != 1 {
		t.Fatalf("shards: %v %+v", err, shards)
	}
	old, heir, other := shards[0].Primary, shards[0].Replicas[0], shards[1].Primary

	var mu sync.Mutex
	var fenced []recovery.Fence
	setFences := func(f []recovery.Fence) { mu.Lock(); fenced = f; mu.Unlock() }
	fences := func() []recovery.Fence { mu.Lock(); defer mu.Unlock(); return fenced }
	w := startWatcher(ctx, dep.Engine(), fences)
	defer w.stop()
	time.Sleep(time.Second)
	if v := w.result().Violations; len(v) != 0 {
		t.Fatalf("healthy cluster: violations %v", v)
	}

	// A fence on a node that still serves its slots must be reported as soon
	// as it takes a write.
	setFences([]recovery.Fence{{Node: other.Name(), Method: recovery.FenceKill, At: time.Now()}})
	waitViolation(ctx, t, w, "fenced-write", other.Name())
	// A fence the engine lifted (it restores the node itself as the owner)
	// no longer holds the node's writes against it.
	third := shards[2].Primary
	setFences([]recovery.Fence{{Node: third.Name(), Method: recovery.FenceKill, At: time.Now().Add(-time.Second), Lifted: time.Now()}})
	time.Sleep(3 * WatchEvery)
	for _, v := range w.result().Violations {
		if v.Kind == "fenced-write" && strings.Contains(strings.Join(v.Nodes, ","), third.Name()) {
			t.Fatalf("a lifted fence still counted: %s", v.Detail)
		}
	}
	// A fence ends once its node is seen back as a replica: the replica
	// fenced now (it is one already) and promoted below by a failover of
	// its own is not a fenced write.
	setFences([]recovery.Fence{{Node: heir.Name(), Method: recovery.FenceKill, At: time.Now()}})
	time.Sleep(3 * WatchEvery)

	script := "nft add table inet drill && " +
		"nft add chain inet drill in '{ type filter hook input priority 0; }' && " +
		"nft add chain inet drill out '{ type filter hook output priority 0; }' && " +
		"nft add rule inet drill in tcp dport 16379 drop && nft add rule inet drill in tcp sport 16379 drop && " +
		"nft add rule inet drill out tcp dport 16379 drop && nft add rule inet drill out tcp sport 16379 drop"
	if out, err := old.Shell(ctx, script); err != nil {
		t.Fatalf("cut the bus: %v %s", err, out)
	}
	c := heir.Client()
	defer c.Close()
	if err := c.Do(ctx, "CLUSTER", "FAILOVER", "TAKEOVER").Err(); err != nil {
		t.Fatal(err)
	}
	v := waitViolation(ctx, t, w, "split-brain", old.Name())
	if !strings.Contains(strings.Join(v.Nodes, ","), heir.Name()) {
		t.Fatalf("split brain names %v, want %s and %s", v.Nodes, old.Name(), heir.Name())
	}
	for _, v := range w.result().Violations {
		if v.Kind == "fenced-write" && strings.Contains(strings.Join(v.Nodes, ","), heir.Name()) {
			t.Fatalf("a fence outlived its node's return as a replica: %s", v.Detail)
		}
	}
	t.Logf("confirmed: %s", v.Detail)
}

func waitViolation(ctx context.Context, t *testing.T, w *watcher, kind, node string) Violation {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for _, v := range w.result().Violations {
			if v.Kind == kind && strings.Contains(strings.Join(v.Nodes, ","), node) {
				return v
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s violation on %s within 5 s: %v", kind, node, w.result().Violations)
	return Violation{}
}
