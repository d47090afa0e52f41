package workload

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency summarises the latency of acked ops.
type Latency struct {
	Count int64         `json:"count"`
	Min   time.Duration `json:"min"`
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
}

// hdrMaxMicros is the largest latency the histogram tracks (1 hour); longer
// values are clamped.
const hdrMaxMicros = int64(time.Hour / time.Microsecond)

// Latency returns quantiles of the latency of every ok op, computed with an
// HDR histogram at microsecond resolution and 3 significant digits.
func (l *Ledger) Latency() Latency {
	h := hdrhistogram.New(1, hdrMaxMicros, 3)
	for _, op := range l.Ops() {
		if op.Outcome != OK {
			continue
		}
		us := op.Latency().Microseconds()
		us = max(1, min(us, hdrMaxMicros))
		_ = h.RecordValue(us) // in range by construction
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Latency{
		Count: h.TotalCount(),
		Min:   us(h.Min()),
		Mean:  time.Duration(h.Mean() * float64(time.Microsecond)),
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		P999:  us(h.ValueAtQuantile(99.9)),
		Max:   us(h.Max()),
	}
}

// Bucket holds the ops that completed in [Start, Start+Width). Latency
// figures are over the bucket's ok ops (exact nearest-rank quantiles).
type Bucket struct {
	Start  time.Time     `json:"start"`
	Offset time.Duration `json:"offset"` // Start − origin (negative before the origin)
	Width  time.Duration `json:"width"`
	Counts
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

// Buckets splits the ops into consecutive buckets of the given width by
// completion time, anchored at the first op's invoke time. It returns nil
// when the ledger is empty or width <= 0 (see BucketsFrom for the error).
func (l *Ledger) Buckets(width time.Duration) []Bucket {
	ops := l.Ops()
	if len(ops) == 0 {
		return nil
	}
	b, err := bucketize(ops, ops[0].Invoke, width)
	if err != nil {
		return nil
	}
	return b
}

// BucketsFrom is Buckets anchored at origin (e.g. t0, so the fault falls on
// a bucket boundary). Buckets before the origin have negative offsets. Every
// bucket between the first and the last op is returned, empty ones included.
func (l *Ledger) BucketsFrom(origin time.Time, width time.Duration) ([]Bucket, error) {
	return bucketize(l.Ops(), origin, width)
}

func bucketize(ops []Op, origin time.Time, width time.Duration) ([]Bucket, error) {
	if width <= 0 {
		return nil, fmt.Errorf("bucket ops: width must be > 0, got %s", width)
	}
	if len(ops) == 0 {
		return nil, nil
	}
	index := func(t time.Time) int64 {
		return int64(math.Floor(float64(t.Sub(origin)) / float64(width)))
	}
	lo, hi := index(ops[0].Complete), index(ops[0].Complete)
	for _, op := range ops {
		k := index(op.Complete)
		lo, hi = min(lo, k), max(hi, k)
	}
	if hi-lo > 10_000_000 {
		return nil, fmt.Errorf("bucket ops: %d buckets of %s is too many", hi-lo+1, width)
	}
	out := make([]Bucket, hi-lo+1)
	lats := make([][]time.Duration, len(out))
	for i := range out {
		off := time.Duration(lo+int64(i)) * width
		out[i] = Bucket{Start: origin.Add(off), Offset: off, Width: width}
	}
	for _, op := range ops {
		i := index(op.Complete) - lo
		out[i].add(op.Outcome)
		if op.Outcome == OK {
			lats[i] = append(lats[i], op.Latency())
		}
	}
	for i, ls := range lats {
		if len(ls) == 0 {
			continue
		}
		sort.Slice(ls, func(a, b int) bool { return ls[a] < ls[b] })
		out[i].P50 = nearestRank(ls, 0.50)
		out[i].P99 = nearestRank(ls, 0.99)
		out[i].Max = ls[len(ls)-1]
	}
	return out, nil
}

// nearestRank returns the q-quantile of sorted values (nearest-rank method).
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	r := int(math.Ceil(q*float64(len(sorted)))) - 1
	r = max(0, min(r, len(sorted)-1))
	return sorted[r]
}
