package drill

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func set(o *Observer, key, val string, invoke, complete time.Time, err error) {
	cmd := redis.NewStatusCmd(context.Background(), "set", key, val)
	if err != nil {
		cmd.SetErr(err)
	}
	o.recordWith(cmd, invoke, complete, nil)
}

func TestObserverOutage(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	o := NewObserver()
	if f, r := o.Outage(t0); !f.IsZero() || !r.IsZero() {
		t.Fatalf("no writes: outage %v %v", f, r)
	}
	set(o, "a", "1", at(-500), at(-499), nil)
	set(o, "b", "1", at(-2000), at(-1999), errors.New("old failure, before the window"))
	set(o, "a", "2", at(10), at(510), errors.New("i/o timeout"))
	set(o, "c", "1", at(600), at(601), nil) // a success between failures does not end the outage
	set(o, "a", "3", at(700), at(900), errors.New("CLUSTERDOWN"))
	set(o, "a", "4", at(950), at(960), nil)
	set(o, "d", "1", at(905), at(970), nil)
	set(o, "x", "1", at(10), at(11), nil)
	o.recordWith(redis.NewStringCmd(context.Background(), "get", "a"), at(20), at(21), nil) // not a write
	first, rec := o.Outage(t0)
	if !first.Equal(at(10)) || !rec.Equal(at(960)) {
		t.Fatalf("outage from %v to %v, want t0+10ms to t0+960ms", first.Sub(t0), rec.Sub(t0))
	}
	if got := o.Acked(); got != 5 {
		t.Fatalf("acked %d, want 5", got)
	}
}

func TestResultRTO(t *testing.T) {
	r := &Result{EngineDone: 400 * time.Millisecond}
	if r.RTO() != 400*time.Millisecond {
		t.Fatalf("unmeasured RTO %v", r.RTO())
	}
	r.Measured, r.ClientRTO = true, 700*time.Millisecond
	if r.RTO() != 700*time.Millisecond {
		t.Fatalf("measured RTO %v", r.RTO())
	}
}

// TestObserverHookSeesDialFailures runs SETs through a real go-redis client
// whose server is gone: go-redis puts a dial error on the command only
// after the hooks returned, and the observer must still count the writes
// as failed, not acknowledged.
func TestObserverHookSeesDialFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: 2, DialTimeout: 100 * time.Millisecond, MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond, DialerRetries: 1})
	defer client.Close()
	o := NewObserver()
	client.AddHook(o)
	t0 := time.Now()
	for i := range 3 {
		if err := client.Set(context.Background(), "k", i, 0).Err(); err == nil {
			t.Fatal("SET to a closed port succeeded")
		}
	}
	if got := o.Acked(); got != 0 {
		t.Errorf("acked %d of 3 SETs that never reached a server, want 0", got)
	}
	if first, _ := o.Outage(t0); first.IsZero() {
		t.Error("no outage recorded for 3 failed SETs")
	}
}
