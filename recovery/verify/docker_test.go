package verify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// eventually polls cond every 100ms until it returns nil or ctx ends.
func eventually(ctx context.Context, cond func() error) error {
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestVerifyClusterThroughKillFailoverRejoinAndFlush(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	topo := rediskit.DefaultCluster()
	topo.NodeTimeout = 2 * time.Second
	dep := testenv.StartDeployment(ctx, t, topo)

	cc := dep.Client(harness.ClientOptions{})
	defer cc.Close()
	const keys = 3000
	pipe := cc.Pipeline()
	for i := 0; i < keys; i++ {
		pipe.Set(ctx, fmt.Sprintf("k:%d", i), i, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("write keys: %v", err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	base, err := TakeDigestBaseline(ctx, dep.Engine())
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	if len(base.Shards) != 3 || base.TotalKeys() != keys {
		t.Fatalf("baseline: %d shards, %d keys: %+v", len(base.Shards), base.TotalKeys(), base)
	}

	// Counting by slots (used when slots moved) agrees with DBSIZE, also
	// when the shard's slots are split over two "shards".
	p0 := nodeByName(t, dep.Engine(), base.Shards[0].Primary)
	if n, err := countKeysInSlots(ctx, dep.Engine(), p0, base.Shards[0].Slots); err != nil || n != base.Shards[0].Keys {
		t.Fatalf("count keys in slots: %d %v, want %d", n, err, base.Shards[0].Keys)
	}
	lo, hi := base.Shards[0].Slots[0][0], base.Shards[0].Slots[0][1]
	split := []shard{{Slots: [][2]int{{lo, lo + 100}}, Primary: p0}, {Slots: [][2]int{{lo + 101, hi}}, Primary: p0}}
	n, where, err := keysNow(ctx, dep.Engine(), split, map[deploy.Node]bool{p0: true}, nil, base.Shards[0])
	if err != nil || n != base.Shards[0].Keys {
		t.Fatalf("keys over split slots: %d (%s) %v, want %d", n, where, err, base.Shards[0].Keys)
	}
	if _, _, err := keysNow(ctx, dep.Engine(), split[:1], map[deploy.Node]bool{p0: true}, nil, base.Shards[0]); err == nil {
		t.Fatal("keys over partly unserved slots: want an error")
	}

	healthy := Check(ctx, dep.Engine(), &base, Options{CompareDigest: true})
	t.Logf("healthy: %s", healthy)
	if !healthy.OK() {
		t.Fatalf("healthy cluster failed verification:\n%s", healthy)
	}
	if err := NoSplitBrain(ctx, dep.Engine()); err != nil {
		t.Fatalf("healthy cluster: %v", err)
	}

	// Kill shard 0's primary with its replica frozen, so no failover can
	// happen: the damage stays visible.
	victim, replica := nodeByName(t, dep.Engine(), base.Shards[0].Primary), (deploy.Node)(nil)
	shards, err := dep.Shards(ctx, dep.Nodes()[1])
	if err != nil {
		t.Fatal(err)
	}
	replica = shards[0].Replicas[0]
	if err := harness.AsNode(replica).Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if err := victim.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	var down Result
	err = eventually(wctx, func() error {
		down = Check(ctx, dep.Engine(), &base, Options{})
		if !down.Has(CheckClusterState) || !down.Has(CheckSlotCoverage) {
			return errors.New(down.String())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("killed primary never showed as cluster-state/slot-coverage failure: %v", err)
	}
	t.Logf("primary down, no failover: %s", down)
	for _, name := range []string{CheckReachable, CheckKeyCount} {
		if !down.Has(name) {
			t.Errorf("primary down: %s did not fail", name)
		}
	}
	if down.Has(CheckSplitBrain) {
		t.Errorf("primary down is not split brain: %s", down)
	}

	// Let Redis fail over, bring the old primary back as a replica: all
	// green again, same keys, same digests.
	if err := replica.Unpause(ctx); err != nil {
		t.Fatal(err)
	}
	var promoted Result
	if err := eventually(wctx, func() error {
		promoted = Check(ctx, dep.Engine(), &base, Options{})
		if promoted.Has(CheckSlotCoverage) || promoted.Has(CheckClusterState) {
			return errors.New(promoted.String())
		}
		return nil
	}); err != nil {
		t.Fatalf("no failover: %v", err)
	}
	t.Logf("after failover: %s", promoted)
	if promoted.Has(CheckKeyCount) || promoted.Has(CheckShardWiped) || !promoted.Has(CheckReplicaCount) {
		t.Errorf("after failover want only the missing replica/node, got %s", promoted)
	}
	if err := victim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	rejoined := Check(ctx, dep.Engine(), &base, Options{CompareDigest: true})
	t.Logf("rejoined: %s", rejoined)
	if !rejoined.OK() {
		t.Fatalf("rejoined cluster failed verification:\n%s", rejoined)
	}

	// FLUSHALL on shard 1's primary: the shard is wiped.
	s1 := shardPrimary(t, ctx, dep.Engine(), 1)
	c := s1.Client()
	defer c.Close()
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	wiped := Check(ctx, dep.Engine(), &base, Options{})
	t.Logf("flushed: %s", wiped)
	if !wiped.Has(CheckShardWiped) || !wiped.Has(CheckKeyCount) {
		t.Fatalf("FLUSHALL on shard 1 not reported as shard-wiped / key-count:\n%s", wiped)
	}
	if n := len(wiped.Failed()); n != 2 {
		t.Errorf("want exactly shard-wiped and key-count for shard 1, got %d failures:\n%s", n, wiped)
	}

	// Slot-table damage: the (now empty) primary of shard 1 forgets its
	// slots (FLUSHSLOTS needs an empty node).
	if err := c.Do(ctx, "CLUSTER", "FLUSHSLOTS").Err(); err != nil {
		t.Fatal(err)
	}
	var damaged Result
	if err := eventually(wctx, func() error {
		damaged = Check(ctx, dep.Engine(), &base, Options{})
		if !damaged.Has(CheckSlotCoverage) {
			return errors.New(damaged.String())
		}
		return nil
	}); err != nil {
		t.Fatalf("CLUSTER FLUSHSLOTS not reported as slot-coverage: %v", err)
	}
	t.Logf("flushslots: %s", damaged)
}

func nodeByName(t *testing.T, dep deploy.Deployment, name string) deploy.Node {
	t.Helper()
	n, ok := dep.NodeByName(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n
}

func shardPrimary(t *testing.T, ctx context.Context, dep deploy.Deployment, i int) deploy.Node {
	t.Helper()
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil || len(shards) <= i || shards[i].Primary == nil {
		t.Fatalf("shard %d: %v %+v", i, err, shards)
	}
	return shards[i].Primary
}

func TestVerifyReplicatedSplitBrainAndWipe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindReplicated, Primaries: 1, Replicas: 1, Persistence: rediskit.PersistNone})
	primary := dep.Primary()
	var replica deploy.Node
	for _, n := range dep.Nodes() {
		if n != primary {
			replica = n
		}
	}
	pc, rc := primary.Client(), replica.Client()
	defer pc.Close()
	defer rc.Close()
	if err := pc.Do(ctx, "DEBUG", "POPULATE", 2000).Err(); err != nil {
		t.Fatal(err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	base, err := TakeDigestBaseline(ctx, dep.Engine())
	if err != nil || base.TotalKeys() != 2000 {
		t.Fatalf("baseline: %v %+v", err, base)
	}
	if r := Check(ctx, dep.Engine(), &base, Options{CompareDigest: true}); !r.OK() {
		t.Fatalf("healthy replicated deployment failed:\n%s", r)
	}

	if err := rc.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	err = NoSplitBrain(ctx, dep.Engine())
	t.Logf("two primaries: %v", err)
	if err == nil {
		t.Fatal("two live primaries not reported as split brain")
	}
	if r := Check(ctx, dep.Engine(), &base, Options{}); !r.Has(CheckSplitBrain) {
		t.Fatalf("Check missed split brain:\n%s", r)
	}
	if err := rc.Do(ctx, "REPLICAOF", primary.IP(), "6379").Err(); err != nil {
		t.Fatal(err)
	}
	if err := dep.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r := Check(ctx, dep.Engine(), &base, Options{})
	t.Logf("flushed: %s", r)
	if !r.Has(CheckShardWiped) || !r.Has(CheckKeyCount) || r.Has(CheckSplitBrain) {
		t.Fatalf("flushed primary: want shard-wiped + key-count only:\n%s", r)
	}
}
