package bench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// archiveFixture is a result with raw samples only: throughput runs of
// two variants (one failed run) and restores at one size (one failed
// snapshot sample, one failed floor).
func archiveFixture() *ArchiveResult {
	lag := func(p50, p99, mx float64, b int64) *ArchiveLag {
		return &ArchiveLag{P50MS: p50, P99MS: p99, MaxMS: mx, Bytes: b, Samples: 10}
	}
	r := &ArchiveResult{
		Version: ArchiveFormatVersion, Config: DefaultArchiveConfig(), Machine: Machine{CPUs: 2, Server: "redis-7.4", ServerVersion: "7.4.1"},
		ThroughputTopology: archiveThroughputTopology, RestoreTopology: archiveRestoreTopology,
		Throughput: []ThroughputCell{
			{Variant: VariantDrillRate, Clients: 8, Rate: 2000, Runs: []ThroughputRun{
				{OK: 20000, WindowMS: 10000},
				{Archiver: true, OK: 19900, WindowMS: 10000, Lag: lag(1, 9, 20, 0)},
				{OK: 20100, WindowMS: 10000},
				{Archiver: true, OK: 20000, WindowMS: 10000, Lag: lag(2, 7, 30, 100)},
				{OK: 19800, WindowMS: 10000},
				{Archiver: true, OK: 19700, WindowMS: 10000, Lag: lag(3, 8, 10, 50)},
			}},
			{Variant: VariantFlatOut, Clients: 8, Runs: []ThroughputRun{
				{OK: 300000, WindowMS: 10000},
				{Archiver: true, OK: 250000, WindowMS: 10000, Lag: lag(5, 50, 80, 4000)},
				{OK: 310000, WindowMS: 10000},
				{Archiver: true, Error: "start archiver: boom", Lag: lag(999, 999, 999, 999)},
			}},
		},
		Restores: []RestoreCell{{
			Keys: 1000, Incr: 100, DatasetKeys: 1100, ArchiveBytes: 2_500_000, IncrCommands: 100,
			Archive: []ArchiveRestoreSample{
				{MaterializeMS: 10, ScratchMS: 100, VerifyMS: 5, Keys: 1100},
				{MaterializeMS: 20, ScratchMS: 200, VerifyMS: 10, Keys: 1100},
				{MaterializeMS: 12, ScratchMS: 120, VerifyMS: 6, Keys: 1100},
			},
			Snapshot: []SnapshotRestoreSample{{LoadMS: 50, Keys: 1100}, {LoadMS: 70, Keys: 1100}, {LoadMS: 1, Error: "load snapshot: boom"}},
			Floor: Floor{Keys: 1000, Kind: "rdb", Samples: []FloorSample{
				{CopyMS: 10, StartMS: 500, LoadMS: 20}, {CopyMS: 30, StartMS: 700, LoadMS: 40},
			}},
			FloorErrors: []string{"measure floor: boom"},
		}},
	}
	r.Summarize()
	return r
}

func TestArchiveThroughputSummary(t *testing.T) {
	r := archiveFixture()
	d := r.Throughput[0]
	if d.Runs[1].OpsPerSec != 1990 {
		t.Errorf("ops/s of a run = %v, want 1990 (19900 ops in 10 s)", d.Runs[1].OpsPerSec)
	}
	if d.Without.Median != 2000 || d.With.Median != 1990 || d.Without.N != 3 || d.With.N != 3 {
		t.Errorf("medians without %+v with %+v, want 2000 and 1990 over 3", d.Without, d.With)
	}
	if math.Abs(d.Ratio-0.995) > 1e-9 {
		t.Errorf("ratio = %v, want 0.995", d.Ratio)
	}
	if d.LagP50MS.Median != 2 || d.LagP99MS.Median != 8 || d.LagMaxMS.Median != 20 || d.LagBytes.Median != 50 {
		t.Errorf("lag medians p50 %v p99 %v max %v bytes %v", d.LagP50MS, d.LagP99MS, d.LagMaxMS, d.LagBytes)
	}
	f := r.Throughput[1]
	if f.Errors != 1 || f.With.N != 1 || f.LagP99MS.Median != 50 {
		t.Errorf("a failed run must be counted and left out: errors %d, with %+v, lag p99 %+v", f.Errors, f.With, f.LagP99MS)
	}
	if math.Abs(f.Ratio-25000.0/30500) > 1e-9 {
		t.Errorf("flat-out ratio = %v", f.Ratio)
	}
	if len(r.Targets) != 2 || r.Targets[0].Met != "yes" || r.Targets[1].Met != "no" {
		t.Errorf("targets %+v: want drill-rate met, flat-out not", r.Targets)
	}
}

func TestArchiveThroughputOneArmOnly(t *testing.T) {
	c := ThroughputCell{Runs: []ThroughputRun{{OK: 10, WindowMS: 1000}, {Archiver: true, Error: "x"}}}
	c.summarize()
	if c.Ratio != 0 {
		t.Errorf("ratio without a with-arm = %v, want 0", c.Ratio)
	}
	r := ArchiveResult{Throughput: []ThroughputCell{c}}
	if ts := r.archiveTargets(); len(ts) != 1 || ts[0].Met != "n/a" {
		t.Errorf("targets %+v, want n/a", ts)
	}
}

func TestArchiveRestoreSummary(t *testing.T) {
	c := archiveFixture().Restores[0]
	if c.ArchiveMS.Median != 138 || c.ArchiveMS.Min != 115 || c.ArchiveMS.Max != 230 {
		t.Errorf("archive restore %+v, want median 138 (12+120+6) in 115..230", c.ArchiveMS)
	}
	if c.MaterializeMS.Median != 12 || c.ScratchMS.Median != 120 || c.VerifyMS.Median != 6 {
		t.Errorf("steps %v %v %v", c.MaterializeMS, c.ScratchMS, c.VerifyMS)
	}
	if c.SnapshotMS.Median != 60 || c.SnapshotMS.N != 2 {
		t.Errorf("snapshot %+v, want median 60 over the 2 good samples", c.SnapshotMS)
	}
	if c.Errors != 2 {
		t.Errorf("errors = %d, want 2 (a snapshot sample and a floor)", c.Errors)
	}
	// The floor is derived as bench.json's: warm = copy + raw load, cold = copy + start.
	if c.Floor.Load.Median != 30 || c.Floor.WarmMS != 50 || c.Floor.TotalMS != 620 {
		t.Errorf("floor load %v warm %v cold %v, want 30, 50, 620", c.Floor.Load.Median, c.Floor.WarmMS, c.Floor.TotalMS)
	}
	if c.VsSnapshot != 138.0/60 || c.VsRawLoad != 138.0/30 {
		t.Errorf("ratios %v %v", c.VsSnapshot, c.VsRawLoad)
	}
}

// Every derived figure is recomputed from the raw samples on read: a file
// whose summaries were lost (or edited) reads back with the same figures.
func TestArchiveJSONRecomputes(t *testing.T) {
	want := archiveFixture()
	stripped := archiveFixture()
	for i := range stripped.Throughput {
		c := &stripped.Throughput[i]
		c.Without, c.With, c.Ratio, c.LagP99MS = Summary{}, Summary{Median: 1}, 42, Summary{}
		for j := range c.Runs {
			c.Runs[j].OpsPerSec = 0
		}
	}
	stripped.Restores[0].ArchiveMS, stripped.Restores[0].VsSnapshot, stripped.Restores[0].Floor.WarmMS = Summary{}, 9, 0
	stripped.Targets = nil
	var buf bytes.Buffer
	if err := WriteArchiveJSON(&buf, stripped); err != nil {
		t.Fatal(err)
	}
	got, err := ReadArchiveJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := WriteArchiveTable(&a, want); err != nil {
		t.Fatal(err)
	}
	if err := WriteArchiveTable(&b, got); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("figures differ after a read:\n%s\nvs\n%s", a.String(), b.String())
	}
	if _, err := ReadArchiveJSON(strings.NewReader(`{"version": 99}`)); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("a wrong version must be refused, got %v", err)
	}
}

func TestArchiveTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteArchiveTable(&buf, archiveFixture()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"drill-rate", "2000/s", "0.995x", "2000", "1990", "2.0 ms", "8.0 ms", "2000, 2010, 1980", "1990, 2000, 1970",
		"flat-out", "unlimited", "30000, 31000", "25000, failed", "redis-7.4 7.4.1",
		"1k", "1100", "2.5 MB, 100 cmds", "0.138s ", "0.060s (1 failed)", "0.030s (1 failed)", "2.30x", "0.030s", "4.60x", "0.050s", "0.620s",
		"throughput with the archiver, drill-rate", ">= 0.95x without",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q\n%s", want, out)
		}
	}
}

func TestArchiveMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteArchiveMarkdown(&buf, archiveFixture()); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
	tables := 0
	cols := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			tables++
			cols = n
		} else if n != cols {
			t.Errorf("row %q has %d pipes, the header %d", line, n, cols)
		}
	}
	if tables != 2 {
		t.Errorf("want 2 markdown tables, got %d\n%s", tables, buf.String())
	}
	for _, want := range []string{"| drill-rate | 8 | 2000/s | 2000 | 1990 | 0.995x | yes |", "| 1k | 1100 |", "| --- |"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("markdown lacks %q\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "2000, 2010") {
		t.Error("markdown must keep the per-run figures in the JSON")
	}
}

func TestArchiveRestoreRowFailed(t *testing.T) {
	row := restoreRow(RestoreCell{Keys: 1_000_000, Error: "start 3x0 deployment: boom"})
	if len(row) != len(restoreHeader()) || row[0] != "1M" || !strings.Contains(row[1], "failed: start 3x0") {
		t.Errorf("row %q", row)
	}
}

func TestArchiveCountWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ops := []workload.Op{
		{Complete: at(-1), Outcome: workload.OK}, // warm-up
		{Complete: at(0), Outcome: workload.OK},  // first instant in
		{Complete: at(500), Outcome: workload.Fail},
		{Complete: at(999), Outcome: workload.Unknown},
		{Complete: at(999), Outcome: workload.OK},
		{Complete: at(1000), Outcome: workload.OK}, // window end is out
	}
	hist := []history.Op{
		{Complete: at(10), Outcome: history.OutcomeOK},
		{Complete: at(20), Outcome: history.OutcomeFail},
		{Complete: at(30), Outcome: history.OutcomeOK, Final: true},
	}
	ok, notOK := countWindow(ops, hist, at(0), at(1000))
	if ok != 3 || notOK != 3 {
		t.Errorf("ok %d not ok %d, want 3 and 3", ok, notOK)
	}
}

func TestArchiveConfigValidate(t *testing.T) {
	if err := DefaultArchiveConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range []struct {
		edit func(*ArchiveConfig)
		want string
	}{
		{func(c *ArchiveConfig) { c.Keys = nil }, "no dataset size"},
		{func(c *ArchiveConfig) { c.Keys = []int{0} }, "keys 0 out of range"},
		{func(c *ArchiveConfig) { c.Repeat = 0 }, "repeat 0 out of range"},
		{func(c *ArchiveConfig) { c.Duration = 500 * time.Millisecond }, "duration 500ms out of range"},
		{func(c *ArchiveConfig) { c.ValueSize = 0 }, "value size 0 out of range"},
		{func(c *ArchiveConfig) { c.Incr = -1 }, "incr -1 out of range"},
		{func(c *ArchiveConfig) { c.WarmUp = -time.Second }, "warm-up -1s out of range"},
	} {
		c := DefaultArchiveConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
}

func TestArchiveTopologiesAndVariants(t *testing.T) {
	for _, name := range []string{archiveThroughputTopology, archiveRestoreTopology} {
		if _, err := archiveTopology(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	vs := throughputVariants()
	if len(vs) != 2 || !reflect.DeepEqual(vs[0].profile, workload.DefaultProfile()) || vs[1].profile.Rate != 0 || vs[1].profile.Clients != vs[0].profile.Clients {
		t.Errorf("variants %+v: want the drills' profile, then the same flat out", vs)
	}
	if vs[0].profile.Rate == 0 {
		t.Error("the drills' profile is expected to be rate-limited")
	}
}

func TestArchiveShardKeys(t *testing.T) {
	slots := [][2]int{{0, 100}, {16000, 16383}}
	keys := shardKeys(slots, 50)
	seen := map[string]bool{}
	for _, k := range keys {
		s := workload.Slot(k)
		if !(s <= 100 || s >= 16000) || seen[k] {
			t.Errorf("key %s (slot %d) outside the shard or repeated", k, s)
		}
		seen[k] = true
	}
	if len(keys) != 50 {
		t.Errorf("%d keys, want 50", len(keys))
	}
	if len(shardKeys(slots, 0)) != 0 {
		t.Error("zero keys asked, some returned")
	}
}

func TestArchiveWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	p, err := WriteArchiveFiles(dir, archiveFixture())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != ArchiveJSONFile {
		t.Errorf("wrote %s", p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadArchiveJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Throughput[0].Ratio != archiveFixture().Throughput[0].Ratio || len(got.Restores[0].Archive) != 3 {
		t.Errorf("read back %+v", got.Throughput[0])
	}
}

func TestArchiveLagOf(t *testing.T) {
	st := archive.Stats{LagP50MS: 1, LagP99MS: 2, LagMaxMS: 3, LagSamples: 4, DurableOffset: 90, PrimaryOffset: 100, Reconnects: 1, LastError: "x"}
	st.LagBytes = st.PrimaryOffset - st.DurableOffset
	want := ArchiveLag{P50MS: 1, P99MS: 2, MaxMS: 3, Samples: 4, Bytes: 10, DurableOffset: 90, PrimaryOffset: 100, Reconnects: 1, LastError: "x"}
	if got := lagOf(st); *got != want {
		t.Errorf("lagOf = %+v, want %+v", *got, want)
	}
}
