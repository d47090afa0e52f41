package audit

import (
	"fmt"
	"testing"
	"time"
)

// typedOp is a ledger line of a write with a kind (workload Profile.Mix).
func typedOp(kind, key, tag, field string, counter, ttlMS int64, invoke, complete time.Duration) string {
	return fmt.Sprintf(`{"client":0,"seq":1,"key":%q,"tag":%q,"invoke":%q,"complete":%q,"outcome":"ok","replicas":-1,"type":%q,"field":%q,"counter":%d,"ttl_ms":%d}`,
		key, tag, at(invoke), at(complete), kind, field, counter, ttlMS)
}

// TestRecomputeMixedKinds recomputes loss over every kind of write: a kept
// and a lost hash field, a list member, a counter read below an acked
// INCR, a TTL key read back after its expiry (not a loss, counted apart)
// and one that expired as it should.
func TestRecomputeMixedKinds(t *testing.T) {
	e := evidence{
		until: 5 * time.Second,
		ledger: []string{
			typedOp("hset", "h", "n:0:1", "n:0:1", 0, 0, -900*ms, -890*ms),
			typedOp("hset", "h", "n:0:2", "n:0:2", 0, 0, -800*ms, -790*ms),
			typedOp("rpush", "l", "n:0:3", "", 0, 0, -700*ms, -690*ms),
			typedOp("incr", "c", "n:0:4", "", 1, 0, -600*ms, -590*ms),
			typedOp("incr", "c", "n:0:5", "", 2, 0, -500*ms, -490*ms),
			typedOp("setpx", "t1", "n:0:6", "", 0, 300, -400*ms, -390*ms),
			typedOp("setpx", "t2", "n:0:7", "", 0, 300, -300*ms, -290*ms),
		},
		probe: []string{tickLine(1, -50*ms, -45*ms, true), tickLine(2, 0, 7*ms, true)},
		finalRead: []string{
			`{"key":"h","field":"n:0:1","tag":"n:0:1"}`,
			`{"key":"h","field":"n:0:2","missing":true}`,
			`{"key":"l","field":"n:0:3","tag":"n:0:3"}`,
			`{"key":"c","counter":1}`,
			fmt.Sprintf(`{"key":"t1","tag":"n:0:6","read_start":%q,"read_done":%q}`, at(4*time.Second), at(4*time.Second+ms)),
			fmt.Sprintf(`{"key":"t2","missing":true,"read_start":%q,"read_done":%q}`, at(4*time.Second), at(4*time.Second+ms)),
		},
	}
	f, err := Recompute(e.write(t))
	if err != nil {
		t.Fatal(err)
	}
	if f.Acked != 7 || f.Lost != 2 || f.LostMissing != 1 || f.LostWrongValue != 1 {
		t.Errorf("acked %d lost %d (missing %d, wrong %d), want 7, 2 (1, 1)", f.Acked, f.Lost, f.LostMissing, f.LostWrongValue)
	}
	if f.CounterBackwards != 1 || f.ExpiredReturned != 1 {
		t.Errorf("counter backwards %d, expired returned %d, want 1 and 1", f.CounterBackwards, f.ExpiredReturned)
	}
	if len(f.LostKeys) != 2 || f.LostKeys[0] != "c" || f.LostKeys[1] != "h" {
		t.Errorf("lost keys %v, want [c h]", f.LostKeys)
	}
}
