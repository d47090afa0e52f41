package reports

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRegenerateFixture rebuilds testdata/run.json from a seeded model of
// three drills when REDISDRILL_REGEN_FIXTURE=1; otherwise it only checks
// that the stored fixture is what the generator produces.
func TestRegenerateFixture(t *testing.T) {
	cfg, err := LoadThresholds(filepath.Join("testdata", "thresholds.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	run := evaluateRun(buildFixture(), cfg)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, run); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "run.json")
	if os.Getenv("REDISDRILL_REGEN_FIXTURE") == "1" {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, buf.Bytes()) {
		t.Fatalf("%s is stale: rerun with REDISDRILL_REGEN_FIXTURE=1", path)
	}
}

func ms(v float64) Millis { return Millis(v * float64(time.Millisecond)) }

// fixtureTimeline models a workload at rate ops per 100 ms bucket, with the
// fraction down of it failing between t0 and rto (plus some unknown ops
// right after t0 that were in flight when the node died).
func fixtureTimeline(seed uint64, from, rto, to float64, rate int, down float64, stallMs float64) Timeline {
	r := rand.New(rand.NewPCG(seed, 7))
	tl := Timeline{BucketWidth: ms(100)}
	for start := from; start < to; start += 100 {
		b := Bucket{Start: ms(start)}
		n := int64(rate) + int64(r.IntN(rate/5+1)) - int64(rate/10)
		p99 := 0.9 + r.Float64()*0.8
		switch {
		case start >= 0 && start < stallMs:
			// In-flight ops time out: few complete, latency spikes.
			b.Unknown = int64(float64(n) * down * 0.25)
			b.OK = int64(float64(n) * (1 - down) * 0.6)
			p99 = 180 + r.Float64()*320
		case start >= 0 && start < rto:
			b.Fail = int64(float64(n) * down)
			b.OK = n - b.Fail
			b.Unknown = int64(r.IntN(2))
			p99 = 2 + r.Float64()*6
		case start >= rto && start < rto+400:
			b.OK = n
			p99 = 4 + r.Float64()*10
		default:
			b.OK = n
		}
		b.P99 = ms(p99)
		tl.Buckets = append(tl.Buckets, b)
	}
	return tl
}

func sumTimeline(tl Timeline) (ops OpCounts, before int64) {
	for _, b := range tl.Buckets {
		ops.OK += b.OK
		ops.Fail += b.Fail
		ops.Unknown += b.Unknown
		if b.Start < 0 {
			before += b.OK
		}
	}
	return ops, before
}

func buildFixture() Run {
	start := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	node := func(run, n string) map[string]string {
		return map[string]string{
			"node-0": "artifacts/" + run + "/logs/node-0.log",
			"node-1": "artifacts/" + run + "/logs/node-1.log",
			n:        "artifacts/" + run + "/logs/" + n + ".log",
		}
	}

	s1 := ScenarioResult{
		Name:         "primary-kill",
		Labels:       []string{"fault:kill", "topology:cluster"},
		Description:  "SIGKILL the primary of shard 1 with a synced replica; the engine promotes the replica (FAILOVER TAKEOVER once the old primary is known dead).",
		Topology:     "cluster 3x1",
		RedisVersion: "7.0.15",
		Image:        "redisdrill/redis:7-bookworm",
		Seed:         1001,
		Fault:        FaultRecord{Name: "kill-primary", Targets: []string{"shard-1/primary (node-1)"}, Params: map[string]string{"signal": "SIGKILL"}, Start: 0, End: ms(4200)},
		Strategy:     "promote-replica",
		T0:           start.Add(12 * time.Second),
		Spans: []Span{
			{Name: "detect", Start: 0, End: ms(612)},
			{Name: "decide", Start: ms(612), End: ms(655)},
			{Name: "failover", Start: ms(655), End: ms(1430)},
			{Name: "verify", Start: ms(1430), End: ms(1868)},
		},
		Ready: true, Detect: ms(612), RTO: ms(1868), Duration: ms(21400),
		Latency:   Latency{P50: ms(0.41), P90: ms(0.93), P99: ms(3.8), Max: ms(498)},
		Timeline:  fixtureTimeline(1001, -3000, 1868, 4800, 60, 1.0/3, 400),
		Artifacts: Artifacts{Ledger: "artifacts/primary-kill/ledger.jsonl", Events: "artifacts/primary-kill/events.jsonl", NodeLogs: node("primary-kill", "node-2")},
	}
	s1.Ops, s1.AckedBeforeFault = sumTimeline(s1.Timeline)
	s1.Loss = Loss{Acked: s1.Ops.OK, Lost: 0, Recovered: 7}

	s2 := ScenarioResult{
		Name:         "primary-restart-empty",
		Labels:       []string{"fault:data-loss", "topology:cluster"},
		Description:  "The primary of shard 0 restarts with an empty /data faster than node-timeout; the engine restores it in place from the latest verified backup before its replica can full-sync from it.",
		Topology:     "cluster 3x1",
		RedisVersion: "7.0.15",
		Image:        "redisdrill/redis:7-bookworm",
		Seed:         1002,
		Fault:        FaultRecord{Name: "restart-empty", Targets: []string{"shard-0/primary (node-0)"}, Params: map[string]string{"wipe": "/data"}, Start: 0, End: ms(350)},
		Strategy:     "restore-in-place",
		T0:           start.Add(48 * time.Second),
		Spans: []Span{
			{Name: "detect", Start: 0, End: ms(318)},
			{Name: "decide", Start: ms(318), End: ms(352)},
			{Name: "fetch backup", Start: ms(352), End: ms(905)},
			{Name: "start container", Start: ms(905), End: ms(1262)},
			{Name: "load data", Start: ms(1262), End: ms(1897)},
			{Name: "rejoin", Start: ms(1897), End: ms(2244)},
			{Name: "verify", Start: ms(2244), End: ms(2410)},
		},
		Ready: true, Detect: ms(318), RTO: ms(2410), Duration: ms(24800),
		Latency:   Latency{P50: ms(0.44), P90: ms(1.02), P99: ms(6.1), Max: ms(512)},
		Timeline:  fixtureTimeline(1002, -3000, 2410, 5200, 60, 1.0/3, 300),
		Artifacts: Artifacts{Ledger: "artifacts/primary-restart-empty/ledger.jsonl", Events: "artifacts/primary-restart-empty/events.jsonl", NodeLogs: node("primary-restart-empty", "node-3"), DataDirs: map[string]string{"node-0": "artifacts/primary-restart-empty/data/node-0"}},
	}
	s2.Ops, s2.AckedBeforeFault = sumTimeline(s2.Timeline)
	s2.Loss = Loss{Acked: s2.Ops.OK, Lost: 0, Recovered: 12}

	s3 := ScenarioResult{
		Name:         "aof-corrupt-middle",
		Labels:       []string{"corruption", "fault:aof", "topology:standalone"},
		Description:  "Garbage written into the middle of the last incr AOF of a stopped standalone primary; the engine truncates it with redis-check-aof --fix and restarts.",
		Topology:     "standalone",
		RedisVersion: "7.0.15",
		Image:        "redisdrill/redis:7-bookworm",
		Seed:         1003,
		Fault:        FaultRecord{Name: "aof-garbage-middle", Targets: []string{"primary (node-0)"}, Params: map[string]string{"file": "appendonly.aof.1.incr.aof", "offset": "middle", "bytes": "64"}, Start: ms(-40), End: ms(60)},
		Strategy:     "repair-aof",
		T0:           start.Add(80 * time.Second),
		Spans: []Span{
			{Name: "detect", Start: 0, End: ms(240)},
			{Name: "decide", Start: ms(240), End: ms(262)},
			{Name: "repair aof", Start: ms(262), End: ms(540)},
			{Name: "start container", Start: ms(540), End: ms(890)},
			{Name: "verify", Start: ms(890), End: ms(1010)},
		},
		Ready: true, Detect: ms(240), RTO: ms(1010), Duration: ms(9100),
		Latency:   Latency{P50: ms(0.38), P90: ms(0.8), P99: ms(2.2), Max: ms(31)},
		Timeline:  fixtureTimeline(1003, -2000, 1010, 3000, 2, 1.0, 0),
		Artifacts: Artifacts{Ledger: "artifacts/aof-corrupt-middle/ledger.jsonl", Events: "artifacts/aof-corrupt-middle/events.jsonl", DataDirs: map[string]string{"node-0": "artifacts/aof-corrupt-middle/data/node-0"}},
	}
	s3.Ops, s3.AckedBeforeFault = sumTimeline(s3.Timeline)
	s3.Loss = Loss{Acked: s3.Ops.OK, Lost: 3, Recovered: 0, Window: ms(870)}

	return Run{
		Version:   "0.1.0-dev",
		Start:     start,
		End:       start.Add(92 * time.Second),
		Host:      "ci-runner-7",
		GoVersion: "go1.26.0",
		Args:      []string{"redisdrill", "drill", "--scenarios", "primary-kill,primary-restart-empty,aof-corrupt-middle", "--thresholds", "thresholds.yaml"},
		Scenarios: []ScenarioResult{s1, s2, s3},
	}
}
