package process

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// BenchmarkStart3x1 times Start of a 3x1 cluster of local processes, from
// the call to ready (Terminate is not timed), and prints each start and
// the median (also reported as ready-s). Redis Cluster keeps a primary
// from serving for 2 s after its server initialized, the floor of any
// start:
//
//	go test ./harness/process/ -run '^$' -bench Start3x1 -benchtime 5x
func BenchmarkStart3x1(b *testing.B) {
	requireBinary(b)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var ready []time.Duration
	for range b.N {
		t0 := time.Now()
		dep, err := Start(ctx, rediskit.DefaultCluster(), StartOptions{Logger: quiet})
		took := time.Since(t0)
		b.StopTimer()
		if terr := dep.Terminate(ctx); terr != nil {
			b.Errorf("terminate: %v", terr)
		}
		if err != nil {
			b.Fatalf("start 3x1: %v", err)
		}
		ready = append(ready, took)
		b.Logf("3x1 ready in %s (formed in %s)", took.Round(time.Millisecond), dep.FormedIn.Round(time.Millisecond))
		b.StartTimer()
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i] < ready[j] })
	median := ready[len(ready)/2]
	b.ReportMetric(median.Seconds(), "ready-s")
	b.Logf("3x1 on local processes: median ready %s over %d starts (goal <= 2.2s)", median.Round(time.Millisecond), len(ready))
}
