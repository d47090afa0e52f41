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
)

// startBenchTopologies are the topologies BenchmarkStart times, by short
// name (a regexp for -bench must escape the +: 'Start/redis-7.0/1\+2').
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
				topo, err := harness.ParseTopologyName(name)
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
			}
		})
	}
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
