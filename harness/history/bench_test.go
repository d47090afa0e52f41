package history

import (
	"context"
	"testing"
	"time"
)

// BenchmarkCheck1M checks a realistic synthetic history of 1,000,000 ops
// (see genHistory). The budget is ≤ 10 s on 2 cores.
func BenchmarkCheck1M(b *testing.B) {
	ops := genHistory(1_000_000, 1)
	b.ResetTimer()
	for b.Loop() {
		res, err := Check(context.Background(), ops, Options{Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if res.Linearizable != VerdictTrue {
			b.Fatalf("linearizable = %s, anomalies %v", res.Linearizable, res.Counts)
		}
		b.ReportMetric(res.Elapsed.Seconds(), "s/check")
		b.Logf("%d ops, %d keys, %d checked by porcupine: %s", len(ops), res.Keys, res.CheckedOps, res.Elapsed)
	}
}

// TestCheckLargeHistoryFast checks that a 1M-op clean history is judged
// linearizable; timing belongs to BenchmarkCheck1M.
func TestCheckLargeHistoryFast(t *testing.T) {
	if testing.Short() {
		t.Skip("checks 1,000,000 ops; skipped under -short")
	}
	ops := genHistory(1_000_000, 2)
	if len(ops) != 1_000_000 {
		t.Fatalf("generated %d ops, want 1000000", len(ops))
	}
	res, err := Check(context.Background(), ops, Options{Timeout: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Linearizable != VerdictTrue || len(res.Anomalies) > 0 {
		t.Fatalf("linearizable = %s, unknown keys %d, anomalies %v, first %+v",
			res.Linearizable, len(res.UnknownKeys), res.Counts, firstAnomaly(res))
	}
}

func firstAnomaly(res Result) *Anomaly {
	if len(res.Anomalies) == 0 {
		return nil
	}
	return &res.Anomalies[0]
}
