package workload

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// mkop builds an op invoked at base+at ms, lasting lat ms.
func mkop(c int, seq int64, at, lat float64, o Outcome) Op {
	inv := base.Add(time.Duration(at * float64(time.Millisecond)))
	return Op{
		Client: c, Seq: seq, Key: keyFor("t", c, seq), Tag: tagFor("n", c, seq),
		Invoke: inv, Complete: inv.Add(time.Duration(lat * float64(time.Millisecond))),
		Outcome: o, Replicas: -1,
	}
}

func TestLedgerConcurrentRecording(t *testing.T) {
	l := NewLedger()
	const clients, per = 8, 5000 // more than one recorder chunk each
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		r := l.Recorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := int64(0); s < per; s++ {
				o := OK
				if s%10 == 0 {
					o = Fail
				} else if s%10 == 1 {
					o = Unknown
				}
				r.Record(mkop(c, s, float64(s), 1, o))
			}
		}()
	}
	// Read while writing (race detector checks this).
	for i := 0; i < 5; i++ {
		_ = l.Counts()
	}
	wg.Wait()
	c := l.Counts()
	if c.Total != clients*per || c.OK != clients*per*8/10 || c.Fail != clients*per/10 || c.Unknown != clients*per/10 {
		t.Fatalf("counts %+v", c)
	}
	ops := l.Ops()
	for i := 1; i < len(ops); i++ {
		if ops[i].Invoke.Before(ops[i-1].Invoke) {
			t.Fatalf("ops not in invoke order at %d", i)
		}
	}
}

func TestAckedBeforeAndTraffic(t *testing.T) {
	var ops []Op
	for i := 0; i < 150; i++ {
		o := OK
		if i%3 == 0 {
			o = Fail
		}
		ops = append(ops, mkop(0, int64(i), float64(i), 0.5, o)) // completes at i+0.5 ms
	}
	l := LedgerFrom(ops)
	t0 := base.Add(150 * time.Millisecond)
	if got := l.AckedBefore(t0); got != 100 {
		t.Fatalf("AckedBefore = %d, want 100", got)
	}
	if err := l.CheckTraffic(t0, 0); err != nil {
		t.Fatalf("100 acked writes must be enough: %v", err)
	}
	early := base.Add(30 * time.Millisecond)
	err := l.CheckTraffic(early, 0)
	if !errors.Is(err, ErrTooLittleTraffic) {
		t.Fatalf("CheckTraffic before 30ms = %v, want ErrTooLittleTraffic", err)
	}
	if err := l.CheckTraffic(early, 5); err != nil {
		t.Fatalf("a lower threshold must pass: %v", err)
	}
}

func TestBuckets(t *testing.T) {
	ops := []Op{
		mkop(0, 0, 0, 10, OK),          // completes 10ms  -> bucket 0 (origin = first invoke)
		mkop(0, 1, 20, 30, OK),         // 50ms  -> 0
		mkop(0, 2, 60, 80, OK),         // 140ms -> 1
		mkop(1, 0, 90, 20, Fail),       // 110ms -> 1
		mkop(1, 1, 100, 5, OK),         // 105ms -> 1
		mkop(1, 2, 300, 1000, Unknown), // 1300ms -> 13
	}
	l := LedgerFrom(ops)
	b := l.Buckets(100 * time.Millisecond)
	if len(b) != 14 {
		t.Fatalf("got %d buckets, want 14", len(b))
	}
	if b[0].OK != 2 || b[0].P50 != 10*time.Millisecond || b[0].P99 != 30*time.Millisecond || b[0].Max != 30*time.Millisecond {
		t.Errorf("bucket 0 = %+v", b[0])
	}
	if b[1].OK != 2 || b[1].Fail != 1 || b[1].Total != 3 || b[1].P50 != 5*time.Millisecond || b[1].Max != 80*time.Millisecond {
		t.Errorf("bucket 1 = %+v", b[1])
	}
	for i := 2; i < 13; i++ {
		if b[i].Total != 0 || b[i].Offset != time.Duration(i)*100*time.Millisecond {
			t.Errorf("bucket %d = %+v, want empty at %dms", i, b[i], i*100)
		}
	}
	if b[13].Unknown != 1 || b[13].Max != 0 {
		t.Errorf("bucket 13 = %+v", b[13])
	}
	// Anchored at an origin: t0 = 105ms puts earlier completions in negative buckets.
	t0 := base.Add(105 * time.Millisecond)
	bf, err := l.BucketsFrom(t0, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Completions at 10ms and 50ms are 95ms and 55ms before t0: bucket -1.
	if len(bf) != 13 || bf[0].Offset != -100*time.Millisecond || bf[0].OK != 2 || !bf[0].Start.Equal(t0.Add(-100*time.Millisecond)) {
		t.Errorf("first anchored bucket = %+v (of %d)", bf[0], len(bf))
	}
	if bf[1].Offset != 0 || bf[1].OK != 2 || bf[1].Fail != 1 {
		t.Errorf("bucket at t0 = %+v", bf[1])
	}
	if l.Buckets(0) != nil {
		t.Error("width 0 must give nil")
	}
	if _, err := l.BucketsFrom(t0, -time.Second); err == nil {
		t.Error("negative width must be an error")
	}
	if NewLedger().Buckets(time.Second) != nil {
		t.Error("empty ledger must give no buckets")
	}
}

func TestLatency(t *testing.T) {
	var ops []Op
	for i := 1; i <= 1000; i++ {
		ops = append(ops, mkop(0, int64(i), float64(i), float64(i)/10, OK)) // 0.1ms .. 100ms
	}
	ops = append(ops, mkop(1, 0, 0, 5000, Unknown)) // not ok: ignored
	lat := LedgerFrom(ops).Latency()
	if lat.Count != 1000 {
		t.Fatalf("count %d", lat.Count)
	}
	near := func(name string, got, want time.Duration) {
		if d := got - want; d < -want/100 || d > want/100 {
			t.Errorf("%s = %s, want ≈ %s", name, got, want)
		}
	}
	near("p50", lat.P50, 50*time.Millisecond)
	near("p99", lat.P99, 99*time.Millisecond)
	near("max", lat.Max, 100*time.Millisecond)
	near("min", lat.Min, 100*time.Microsecond)
	near("mean", lat.Mean, 50050*time.Microsecond)
}

func TestJSONLRoundTrip(t *testing.T) {
	ops := []Op{mkop(0, 0, 0, 1, OK), mkop(1, 0, 1, 2, Fail), mkop(2, 5, 2, 3, Unknown)}
	ops[1].Err, ops[1].Kind = "CLUSTERDOWN The cluster is down", "CLUSTERDOWN"
	ops[2].Replicas, ops[2].Attempts = 0, 2
	var buf bytes.Buffer
	if err := LedgerFrom(ops).WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Fatalf("%d lines, want 3", n)
	}
	l2, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := l2.Ops()
	for i := range ops {
		if !got[i].Invoke.Equal(ops[i].Invoke) || !got[i].Complete.Equal(ops[i].Complete) {
			t.Errorf("op %d times differ", i)
		}
		got[i].Invoke, got[i].Complete = ops[i].Invoke, ops[i].Complete
		if got[i] != ops[i] {
			t.Errorf("op %d = %+v, want %+v", i, got[i], ops[i])
		}
	}
	if LedgerFrom(ops).Latency() != l2.Latency() {
		t.Error("latency differs after the round trip")
	}
	for _, bad := range []string{
		`{"key":"k","outcome":"maybe"}`,
		`{"key":"","outcome":"ok"}`,
		`not json`,
	} {
		if _, err := ReadJSONL(strings.NewReader(bad + "\n")); err == nil {
			t.Errorf("ReadJSONL(%q) must fail", bad)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	if err := DefaultProfile().Validate(); err != nil {
		t.Fatalf("default profile: %v", err)
	}
	bad := []Profile{
		{Clients: 0},
		{Clients: 2000},
		{Clients: 4, Rate: -1},
		{Clients: 4, Rate: 2},
		{Clients: 1, ValueSize: -1},
		{Clients: 1, ValueSize: MaxValueSize + 1},
		{Clients: 1, KeyPrefix: "{tag}"},
		{Clients: 1, KeyPrefix: "a b"},
		{Clients: 1, WaitReplicas: -1},
		{Clients: 1, WaitReplicas: 1},
		{Clients: 1, WaitReplicas: 1, WaitTimeout: 2 * MaxWait},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v must not validate", p)
		}
	}
	if err := (Profile{Clients: 1, WaitReplicas: 1, WaitTimeout: time.Second}).Validate(); err != nil {
		t.Errorf("wait profile: %v", err)
	}
}

// BenchmarkLedgerRecord measures the recording cost per op with every
// benchmark goroutine appending to its own recorder, as workers do.
func BenchmarkLedgerRecord(b *testing.B) {
	l := NewLedger()
	op := mkop(0, 0, 0, 1, OK)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := l.Recorder()
		o := op
		for pb.Next() {
			o.Seq++
			r.Record(o)
		}
	})
}
