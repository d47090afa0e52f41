package workload

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/harness"
)

// TestRecordingOverhead prints the flat-out ops/s of the workload's clients
// with and without recording, on one real Redis. The ratio is printed, not
// asserted: speed belongs to measurements, not to pass/fail.
func TestRecordingOverhead(t *testing.T) {
	dep := startDeployment(t, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistNone})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := dep.Client(harness.ClientOptions{})
	defer client.Close()
	for _, p := range []Profile{{Clients: 8, ValueSize: 64}, {Clients: 8, ValueSize: 64, History: DefaultHistory}} {
		overhead(ctx, t, client, p)
	}
}

// overhead prints one profile's recorded and unrecorded ops/s.
func overhead(ctx context.Context, t *testing.T, client redis.UniversalClient, p Profile) {
	const d = time.Second
	var rec, bare []float64
	for round := 0; round < 3; round++ {
		n, err := unrecorded(ctx, client, p, d)
		if err != nil {
			t.Fatal(err)
		}
		bare = append(bare, float64(n)/d.Seconds())
		r, err := Start(ctx, client, p)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(d)
		l := r.Stop()
		c := l.Counts()
		if c.OK != c.Total || c.Total == 0 {
			t.Fatalf("recorded run: %+v %v", c, kinds(l.Ops()))
		}
		ops := l.Ops()
		hist := r.History()
		for _, h := range hist {
			if h.Outcome != string(OK) {
				t.Fatalf("history op %+v", h)
			}
		}
		rec = append(rec, float64(c.Total+len(hist))/ops[len(ops)-1].Complete.Sub(ops[0].Invoke).Seconds())
	}
	median := func(v []float64) float64 {
		s := append([]float64(nil), v...)
		sort.Float64s(s)
		return s[len(s)/2]
	}
	t.Logf("flat out, %d clients, %dB values, history share %.2f, 3 alternating rounds of %s: unrecorded median %.0f ops/s %.0f, recorded median %.0f ops/s %.0f, ratio %.2f (target ≥ 0.8)",
		p.Clients, p.ValueSize, p.History, d, median(bare), bare, median(rec), rec, median(rec)/median(bare))
}

// unrecorded drives the same clients, keys and values as a Runner for d
// without recording anything, and returns the number of acked SETs.
func unrecorded(ctx context.Context, client redis.UniversalClient, p Profile, d time.Duration) (int64, error) {
	own, err := ownClient(client, p)
	if err != nil {
		return 0, err
	}
	defer own.Close()
	pad := padding(p.Seed, p.ValueSize)
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	begin := time.Now()
	for c := 0; c < p.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hist := newHistoryPicker(p.Seed, c, begin)
			for seq := int64(0); time.Now().Before(deadline); seq++ {
				if hist.take(p.History) {
					op := hist.next("bare", "bare", c, seq, time.Now())
					if err := own.Do(ctx, historyArgs(op)...).Err(); err == nil || errors.Is(err, redis.Nil) {
						n.Add(1)
					}
					continue
				}
				tag := tagFor("bare", c, seq)
				if own.Set(ctx, keyFor("bare", c, seq), valueFor(tag, p.ValueSize, pad), 0).Err() == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return n.Load(), nil
}
