package workload

import (
	"context"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// TestMixedWorkload runs every kind of write on a real 3x0 cluster with
// WAIT-free acks and a schedule (CatchUp), reads it all back, then plants
// one defect of each kind the final read must catch: a counter set below
// an acked INCR, an expired key written back, a list emptied.
func TestMixedWorkload(t *testing.T) {
	dep := startDeployment(t, harness.Topology{
		Kind: harness.KindCluster, Primaries: 3, NodeTimeout: 5 * time.Second, Persistence: harness.PersistNone,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := Profile{Clients: 4, Rate: 800, ValueSize: 64, Seed: 7, Mix: MixAll(), CatchUp: true}
	l := runFor(ctx, t, dep, harness.ClientOptions{}, p, 2*time.Second)
	ops := l.Ops()
	byKind := map[Kind]int{}
	for _, op := range ops {
		byKind[op.kindOf()]++
		if op.Outcome != OK {
			t.Fatalf("healthy cluster: op %+v", op)
		}
		if op.Scheduled.IsZero() || op.Latency() < op.Complete.Sub(op.Invoke) {
			t.Fatalf("op without its schedule: %+v", op)
		}
	}
	for _, k := range Kinds() {
		if byKind[k] == 0 {
			t.Fatalf("no %s op in %d ops: %v", k, len(ops), byKind)
		}
	}
	time.Sleep(maxTTL + 100*time.Millisecond) // every TTL key has expired
	client := dep.Client(harness.ClientOptions{})
	defer client.Close()

	c, err := l.FinalRead(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ops by kind %v: ok %d, lost %d, expired %d, counter-backwards %d, expired-returned %d",
		byKind, c.OK, c.Lost, c.Expired, c.CounterBackwards, c.ExpiredReturned)
	if c.Lost != 0 || c.CounterBackwards != 0 || c.ExpiredReturned != 0 {
		t.Fatalf("healthy cluster lost or misread writes: %+v", c)
	}
	if c.Expired != byKind[KindSetTTL] {
		t.Fatalf("expired %d, want every TTL write (%d)", c.Expired, byKind[KindSetTTL])
	}

	var incr, ttl, push Op
	for _, op := range ops {
		switch op.kindOf() {
		case KindIncr:
			incr = op
		case KindSetTTL:
			if ttl.Key == "" {
				ttl = op
			}
		case KindRPush:
			push = op
		}
	}
	plant := func(args ...any) {
		t.Helper()
		if err := client.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("plant %v: %v", args, err)
		}
	}
	plant("set", incr.Key, incr.Counter-1)
	plant("set", ttl.Key, valueFor(ttl.Tag, p.ValueSize, padding(p.Seed, p.ValueSize)))
	plant("del", push.Key)
	c, err = l.FinalRead(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if c.CounterBackwards != 1 || c.ExpiredReturned != 1 {
		t.Fatalf("planted defects: counter-backwards %d, expired-returned %d, want 1 and 1: %+v", c.CounterBackwards, c.ExpiredReturned, c.Anomalies)
	}
	pushed := 0
	for _, op := range ops {
		if op.Key == push.Key {
			pushed++
		}
	}
	if c.Lost != 1+pushed {
		t.Fatalf("lost %d, want the counter and the %d pushes of %s", c.Lost, pushed, push.Key)
	}
}
