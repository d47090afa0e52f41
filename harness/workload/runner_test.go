package workload

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStartRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	if _, err := Start(ctx, nil, DefaultProfile()); err == nil {
		t.Error("nil client must fail")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer c.Close()
	if _, err := Start(ctx, c, Profile{}); err == nil {
		t.Error("zero profile must fail validation")
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	if _, err := Start(ctx, ring, DefaultProfile()); err == nil {
		t.Error("a Ring is not supported and must be refused")
	}
}

// TestStartAgainstNothing runs a workload against a closed port: every op
// must be recorded as fail (dial refused), and Stop must be idempotent.
func TestStartAgainstNothing(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	r, err := Start(ctx, c, Profile{Clients: 2, Rate: 200, KeyPrefix: "nothing"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(r.Ledger().Ops()) < 10; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.Stop()
			t.Fatalf("only %d ops recorded in 10 s", len(r.Ledger().Ops()))
		}
	}
	l := r.Stop()
	if r.Stop() != l {
		t.Fatal("Stop must return the same ledger")
	}
	k := kinds(l.Ops())
	if k["fail/dial"] != l.Counts().Total {
		t.Fatalf("against a closed port every op is fail/dial, got %v", k)
	}
	if r.KeyPrefix() != "nothing" || l.Ops()[0].Key != "nothing:c0:0" && l.Ops()[0].Key != "nothing:c1:0" {
		t.Fatalf("keys %q", l.Ops()[0].Key)
	}
}
