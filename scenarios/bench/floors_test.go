package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery"
)

// Every restore is measured against its own floor: one that starts a
// container against copy + container start with raw load, one that loads
// into a running server against copy + raw load.
func TestOwnFloor(t *testing.T) {
	cases := map[string][2]string{
		ReplaceFromRDB: {"rdb", FloorCold},
		ClusterRoll:    {"rdb", FloorCold},
		ReplaceWarm:    {"rdb", FloorWarm},
		ReplicaResync:  {"rdb", FloorWarm},
		ReplaceFromAOF: {"aof", FloorCold},
		ReplaceAOFWarm: {"aof", FloorWarm},
		EnginePromote:  {"", ""},
		NativeFailover: {"", ""},
		NativeSilent:   {"", ""},
		EngineSilent:   {"", ""},
		SentinelNative: {"", ""}, SentinelEngine: {"", ""},
		SentinelNativeSilent: {"", ""}, SentinelEngineSilent: {"", ""},
	}
	for _, s := range AllStrategies() {
		want, ok := cases[s]
		if !ok {
			t.Errorf("strategy %s has no expected floor in this test", s)
			continue
		}
		if kind, path := OwnFloor(s); kind != want[0] || path != want[1] {
			t.Errorf("OwnFloor(%s) = %s %s, want %s %s", s, kind, path, want[0], want[1])
		}
	}
}

func TestOwnFloorRatios(t *testing.T) {
	r := &Result{Version: FormatVersion, Config: DefaultConfig()}
	r.Config.Keys = []int{100_000}
	r.Floors = []Floor{
		{Keys: 100_000, Kind: "rdb", Samples: []FloorSample{{CopyMS: 40, StartMS: 300, LoadMS: 20}, {CopyMS: 60, StartMS: 400, LoadMS: 40}}},
		{Keys: 100_000, Kind: "aof", Samples: []FloorSample{{CopyMS: 50, StartMS: 350, LoadMS: 50}}},
	}
	for strategy, rto := range map[string]float64{ReplaceFromRDB: 2900, ReplaceWarm: 117, ReplaceFromAOF: 800, ReplaceAOFWarm: 130} {
		r.AddSample(100_000, strategy, Sample{RTOMS: rto, Acked: 100})
	}
	r.Summarize()
	rdb, _ := r.Floor(100_000, "rdb")
	if rdb.TotalMS != 50+350 || rdb.WarmMS != 50+30 {
		t.Fatalf("rdb floor cold %v warm %v, want 400 and 80", rdb.TotalMS, rdb.WarmMS)
	}
	for _, tc := range []struct {
		strategy, path string
		floor, ratio   float64
	}{
		{ReplaceFromRDB, FloorCold, 400, 2900.0 / 400},
		{ReplaceWarm, FloorWarm, 80, 117.0 / 80},
		{ReplaceFromAOF, FloorCold, 400, 800.0 / 400},
		{ReplaceAOFWarm, FloorWarm, 100, 130.0 / 100},
	} {
		c, _ := r.Cell(100_000, tc.strategy)
		if c.FloorPath != tc.path || c.FloorMS != tc.floor || c.FloorRatio != tc.ratio {
			t.Errorf("%s: floor %s %v ratio %v, want %s %v ratio %v", tc.strategy, c.FloorPath, c.FloorMS, c.FloorRatio, tc.path, tc.floor, tc.ratio)
		}
	}
	met := map[string]string{}
	for _, tg := range r.Targets {
		if strings.Contains(tg.Name, "floor") {
			met[tg.Name] = tg.Met
		}
	}
	want := map[string]string{
		"replace-from-rdb vs its own (cold) floor @100k keys":       "no",  // 7.25x
		"replace-warm-spare vs its own (warm) floor @100k keys":     "no",  // 1.46x
		"replace-from-aof vs its own (cold) floor @100k keys":       "no",  // 2.0x
		"replace-aof-warm-spare vs its own (warm) floor @100k keys": "yes", // 1.3x
	}
	for name, m := range want {
		if met[name] != m {
			t.Errorf("target %q met %q, want %q (all: %v)", name, met[name], m, met)
		}
	}
}

// A warm-spare trial whose engine had to start a container is not a warm
// sample.
func TestStartedContainer(t *testing.T) {
	if startedContainer([]SpanTime{{"load data", 10}, {"rejoin", 20}}) {
		t.Error("warm spans reported as a container start")
	}
	if !startedContainer([]SpanTime{{"start container", 400}, {"load data", 10}}) {
		t.Error("a container start was not seen")
	}
	if !warmSpare(ReplaceAOFWarm) || !warmSpare(ReplaceWarm) || warmSpare(ReplaceFromAOF) || warmSpare(ReplaceFromRDB) {
		t.Error("warmSpare wrong")
	}
}

// The part of the RTO after the engine decided is summarized per cell and
// set against the same floor.
func TestAfterDecide(t *testing.T) {
	r := &Result{Version: FormatVersion, Config: DefaultConfig()}
	r.Floors = []Floor{{Keys: 1000, Kind: "rdb", Samples: []FloorSample{{CopyMS: 50, StartMS: 350, LoadMS: 50}}}}
	r.AddSample(1000, ReplaceWarm, Sample{RTOMS: 1000, DecidedMS: 800})
	r.AddSample(1000, ReplaceWarm, Sample{RTOMS: 1200, DecidedMS: 900})
	r.AddSample(1000, ReplaceWarm, Sample{RTOMS: 1100}) // no decide span: left out
	r.Summarize()
	c, _ := r.Cell(1000, ReplaceWarm)
	if c.AfterDecide != (Summary{N: 2, Median: 250, Min: 200, Max: 300}) {
		t.Errorf("after decide %+v", c.AfterDecide)
	}
	if c.FloorMS != 100 || c.AfterDecideRatio != 2.5 {
		t.Errorf("floor %v after-decide ratio %v, want 100 and 2.5", c.FloorMS, c.AfterDecideRatio)
	}
}

func TestDecidedAt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	spans := []recovery.Span{
		{Name: "detect", Start: t0, End: t0.Add(30 * time.Millisecond)},
		{Name: "decide", Start: t0.Add(300 * time.Millisecond), End: t0.Add(820 * time.Millisecond)},
		{Name: "load data", Start: t0.Add(821 * time.Millisecond), End: t0.Add(900 * time.Millisecond)},
	}
	if got := decidedAt(spans); got != 820 {
		t.Errorf("decidedAt = %v, want 820", got)
	}
	if got := decidedAt(spans[1:]); got != 0 {
		t.Errorf("decidedAt without detect = %v, want 0", got)
	}
}
