package harness_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// TestSentinelFailsOverAndPrimaryFollows starts a sentinel 1+1 deployment,
// kills the primary's machine and checks that Sentinel promotes the
// replica on its own, that Primary follows Sentinel's view and that a
// client made by Client (a failover client) writes to the new primary and
// reads what it wrote before the kill.
func TestSentinelFailsOverAndPrimaryFollows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topo := harness.Topology{Kind: harness.KindSentinel, Primaries: 1, Replicas: 1, NodeTimeout: 2 * time.Second,
		Persistence: harness.PersistAOF, AppendFsync: "always"}
	dep := testenv.StartDeployment(ctx, t, topo)

	nodes, sentinels := dep.Nodes(), dep.Sentinels()
	if len(nodes) != 2 || len(sentinels) != rediskit.DefaultSentinels {
		t.Fatalf("%d nodes and %d sentinels, want 2 and %d", len(nodes), len(sentinels), rediskit.DefaultSentinels)
	}
	for _, s := range sentinels {
		if slices.Contains(dep.AllNodes(), s) || dep.IsMember(s) {
			t.Errorf("sentinel %s is a node of the topology", s.Name())
		}
	}
	old, replica := nodes[0], nodes[1]
	if p := dep.Primary(); p != old {
		t.Fatalf("primary is %v before the failover, want %s", p, old.Name())
	}

	c := dep.Client(harness.ClientOptions{})
	defer c.Close()
	if err := c.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatalf("write through the failover client: %v", err)
	}
	if n, err := c.Do(ctx, "WAIT", 1, 2000).Int(); err != nil || n < 1 {
		t.Fatalf("WAIT 1: %d replicas, %v", n, err)
	}

	killed := time.Now()
	if err := old.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	var promoted time.Duration
	for promoted == 0 {
		if p, err := dep.SentinelPrimary(ctx); err == nil && p == replica {
			promoted = time.Since(killed)
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("sentinel never named %s the primary: %v", replica.Name(), ctx.Err())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("sentinel promoted %s %s after the kill (down-after %s)", replica.Name(), promoted.Round(time.Millisecond), topo.NodeTimeout)
	if p := dep.Primary(); p != replica {
		t.Errorf("Primary() is %v after the failover, want %s", p, replica.Name())
	}
	role, err := replica.Client().Do(ctx, "ROLE").Slice()
	if err != nil || len(role) == 0 || role[0] != "master" {
		t.Errorf("%s's ROLE after the failover: %v, %v", replica.Name(), role, err)
	}

	// The failover client finds the new primary through Sentinel.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Set(ctx, "after", "1", 0).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failover client cannot write after the failover: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v, err := c.Get(ctx, "before").Result(); err != nil || v != "1" {
		t.Errorf("the write acked before the kill reads %q, %v", v, err)
	}
}
