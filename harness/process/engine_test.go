package process

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// TestEngineOnProcesses: the recovery engine drives a cluster of local
// processes through the seam alone. Shard 0's primary machine crashes
// (Kill); the engine detects it — by its probes only, and in auto mode
// also from the supervisor's machine and server events — promotes the
// replica, and every slot is served again with the keys written before
// the fault. The crashed machine then boots and rejoins as a replica.
func TestEngineOnProcesses(t *testing.T) {
	for _, mode := range detect.Modes() {
		t.Run(string(mode), func(t *testing.T) { testPromoteOnProcesses(t, mode) })
	}
}

func testPromoteOnProcesses(t *testing.T, mode detect.Mode) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dep := startDeployment(ctx, t, rediskit.DefaultCluster())
	const keys = 300
	writeKeys(ctx, t, dep, "before", keys)
	eng, err := recovery.New(ctx, dep, recovery.Options{Logger: testLogger(t), CatalogDir: t.TempDir(),
		Detect: detect.Options{NoDocker: mode == detect.ModeProbe}})
	if err != nil {
		t.Fatalf("create engine: %v", err)
	}
	defer eng.Close()
	if got := eng.DetectMode(); got != mode {
		t.Fatalf("engine mode %s, want %s", got, mode)
	}
	if err := eng.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	shards, err := dep.Shards(ctx, dep.Members()[0])
	if err != nil || len(shards) != 3 || shards[0].Primary == nil || len(shards[0].Replicas) != 1 {
		t.Fatalf("shards: %+v, %v", shards, err)
	}
	victim, heir := shards[0].Primary.(*Node), shards[0].Replicas[0].(*Node)

	t0 := time.Now()
	if err := victim.Kill(ctx, ""); err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Recover(ctx, t0)
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("recover: %v (report %+v)", err, rep)
	}
	t.Logf("%s: %s → %s in %s, detected after %s (%s), verified %v", mode, rep.Incident, rep.Strategy,
		took.Round(time.Millisecond), rep.DetectedAt.Sub(t0).Round(time.Millisecond), rep.Event, rep.Verified)
	for _, s := range rep.Spans {
		t.Logf("  span %-14s %6s %s", s.Name, s.End.Sub(s.Start).Round(time.Millisecond), s.Detail)
	}
	if rep.Strategy != "promote-replica" || !rep.Verified || rep.Node != victim.Name() {
		t.Fatalf("report: strategy %q, verified %v, node %q; want promote-replica of %s", rep.Strategy, rep.Verified, rep.Node, victim.Name())
	}
	after, err := dep.Shards(ctx, heir)
	if err != nil || len(after) != 3 || after[0].Primary == nil || after[0].Primary.Name() != heir.Name() {
		t.Fatalf("shard 0 after recovery: %+v, %v; want %s its primary", after, err, heir.Name())
	}
	checkServing(ctx, t, dep, "before", keys)

	// Heal: the machine boots, and its server rejoins as a replica.
	if err := victim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatalf("ready after the crashed machine booted: %v", err)
	}
	if info, err := victim.Info(ctx, "replication"); err != nil || info["role"] != "slave" {
		t.Fatalf("the old primary came back as %q (%v), want a replica", info["role"], err)
	}
}

// clusterClient returns a cluster client over the deployment's members.
func clusterClient(dep *Deployment) *redis.ClusterClient {
	var addrs []string
	for _, n := range dep.Members() {
		addrs = append(addrs, n.Addr())
	}
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Password: dep.Topology().Password,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
}

// writeKeys writes prefix:0 .. prefix:count-1 (spread over every shard).
func writeKeys(ctx context.Context, t *testing.T, dep *Deployment, prefix string, count int) {
	t.Helper()
	c := clusterClient(dep)
	defer c.Close()
	for i := range count {
		k := fmt.Sprintf("%s:%d", prefix, i)
		if err := c.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
}

// checkServing checks that every slot is served (cluster_state ok and
// full coverage on a member that answers, and a write to every shard) and
// that prefix:0 .. prefix:count-1 are all there.
func checkServing(ctx context.Context, t *testing.T, dep *Deployment, prefix string, count int) {
	t.Helper()
	c := clusterClient(dep)
	defer c.Close()
	var live *Node
	for _, n := range dep.Members() {
		if running, _ := n.Running(ctx); running {
			live = n
			break
		}
	}
	if live == nil {
		t.Fatal("no member runs")
	}
	lc := live.Client()
	defer lc.Close()
	text, err := lc.ClusterInfo(ctx).Result()
	if err != nil || rediskit.ParseInfo(text)["cluster_state"] != "ok" {
		t.Fatalf("cluster info on %s: %q, %v", live.Name(), rediskit.ParseInfo(text)["cluster_state"], err)
	}
	view, err := live.ClusterNodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rediskit.CheckSlotCoverage(view); err != nil {
		t.Fatalf("coverage seen by %s: %v", live.Name(), err)
	}
	served := map[string]bool{}
	for i := range 200 {
		k := fmt.Sprintf("probe:%d", i)
		// A node's view may lag the failover for a moment (gossip): a
		// client that read its slot map there reloads it and retries
		// (go-redis alone keeps a slot map for 10 s unless MOVED).
		if err := retry(ctx, 5*time.Second, func() error {
			err := c.Set(ctx, k, "x", 0).Err()
			if err != nil {
				c.ReloadState(ctx)
			}
			return err
		}); err != nil {
			logViews(ctx, t, dep)
			t.Fatalf("write %s after recovery: %v", k, err)
		}
		slot64, err := lc.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		slot := int(slot64)
		for _, cn := range view {
			for _, r := range cn.Slots {
				if slot >= r[0] && slot <= r[1] {
					served[cn.ID] = true
				}
			}
		}
	}
	if len(served) != dep.Topology().Primaries {
		t.Errorf("writes reached %d primaries, want %d", len(served), dep.Topology().Primaries)
	}
	missing := 0
	for i := range count {
		k := fmt.Sprintf("%s:%d", prefix, i)
		var v string
		err := retry(ctx, 5*time.Second, func() error {
			var err error
			v, err = c.Get(ctx, k).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				c.ReloadState(ctx)
			}
			return err
		})
		if err != nil || v != k {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d keys %s:* missing after recovery", missing, count, prefix)
	}
}

// retry calls f until it succeeds or d passes (a missing key, redis.Nil,
// is an answer: not retried).
func retry(ctx context.Context, d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil || errors.Is(err, redis.Nil) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logViews logs CLUSTER NODES as every running member sees it.
func logViews(ctx context.Context, t *testing.T, dep *Deployment) {
	for _, n := range dep.Members() {
		c := n.Client()
		text, err := c.ClusterNodes(ctx).Result()
		c.Close()
		t.Logf("view of %s (%s): %v\n%s", n.Name(), n.Addr(), err, text)
	}
}
