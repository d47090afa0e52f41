package harness_test

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// startBenchTopologies are the topologies BenchmarkStart times, by short
// name (a regexp for -bench must escape the +: 'Start/redis-7.0/1\+2'),
// each cold and through a pool (name-pooled).
var startBenchTopologies = []string{"3x0", "3x1", "1+2", "standalone"}

// BenchmarkStart times harness.Start, from the call to a ready deployment,
// per server whose image is present locally and per topology; Terminate is
// not timed. Besides ns/op (the mean) it reports ready-s, the median of
// Setup.Ready over the b.N starts, and with -v logs every start's
// milestones. Run one server and topology at a time on a quiet host:
//
//	go test ./harness/ -run '^$' -bench 'Start/redis-7.0/3x1' -benchtime 5x
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	d := testenv.RequireDocker(b)
	imgs, err := harness.ServerImages(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, img := range imgs {
		if !img.Built {
			continue
		}
		b.Run(img.Server.Name, func(b *testing.B) {
			for _, name := range startBenchTopologies {
				topo, err := rediskit.ParseTopologyName(name)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(name, func(b *testing.B) {
					var ready []float64
					for range b.N {
						dep, err := harness.Start(ctx, d, topo, harness.StartOptions{Server: img.Server, Logger: quiet})
						b.StopTimer()
						if terr := dep.Terminate(ctx); terr != nil {
							b.Errorf("terminate: %v", terr)
						}
						if err != nil {
							b.Fatalf("start %s on %s: %v", name, img.Server.Name, err)
						}
						s := dep.Setup
						ready = append(ready, s.Ready.Seconds())
						b.Logf("ready %s: network %s, containers %s, listening %s, formed %s",
							msText(s.Ready), msText(s.Network), msText(s.Containers), msText(s.Listening), msText(s.Formed))
						b.StartTimer()
					}
					b.ReportMetric(median(ready), "ready-s")
				})
				b.Run(name+"-pooled", func(b *testing.B) { benchPooledStart(b, d, topo, img.Ref, quiet) })
			}
		})
	}
}

// benchPooledStart times Start through a pool the way a suite of drills
// uses it: the pool starts the next deployment while the previous one is
// torn down (untimed), then Start takes it. It reports ready-s, the median
// Setup.Ready from the call, and pool-start-s, the median of the pool's own
// (cold, contended) start.
func benchPooledStart(b *testing.B, d *harness.Docker, topo harness.Topology, image string, logger *slog.Logger) {
	ctx := context.Background()
	pool := harness.NewPool(ctx, d, logger)
	defer pool.Close()
	b.StopTimer()
	prev, err := harness.Start(ctx, d, topo, harness.StartOptions{Image: image, Logger: logger})
	if err != nil {
		_ = prev.Terminate(ctx)
		b.Fatalf("start %s: %v", topo.ShortName(), err)
	}
	var ready, ahead []float64
	for range b.N {
		pool.Prepare(harness.Spec{Topology: topo, Image: image})
		if err := prev.Terminate(ctx); err != nil {
			b.Errorf("terminate: %v", err)
		}
		b.StartTimer()
		prev, err = harness.Start(ctx, d, topo, harness.StartOptions{Image: image, Logger: logger, Pool: pool})
		b.StopTimer()
		if err != nil {
			_ = prev.Terminate(ctx)
			b.Fatalf("start %s through the pool: %v", topo.ShortName(), err)
		}
		if !prev.Setup.Pooled {
			b.Fatalf("start %s did not come from the pool", topo.ShortName())
		}
		ready = append(ready, prev.Setup.Ready.Seconds())
		ahead = append(ahead, prev.Setup.PoolStart.Seconds())
		b.Logf("ready %s after the call; the pool's own start took %s", msText(prev.Setup.Ready), msText(prev.Setup.PoolStart))
	}
	if err := prev.Terminate(ctx); err != nil {
		b.Errorf("terminate: %v", err)
	}
	b.ReportMetric(median(ready), "ready-s")
	b.ReportMetric(median(ahead), "pool-start-s")
}

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	v := append([]float64(nil), xs...)
	sort.Float64s(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

func msText(d time.Duration) string { return d.Round(time.Millisecond).String() }
