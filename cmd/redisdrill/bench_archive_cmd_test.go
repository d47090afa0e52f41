package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/scenarios/bench"
)

func TestBenchArchiveBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--keys", "0"}, "keys 0 out of range"},
		{[]string{"--repeat", "0"}, "repeat 0 out of range"},
		{[]string{"--duration", "100ms"}, "duration 100ms out of range"},
		{[]string{"--duration", "5"}, `invalid argument "5" for "--duration" flag`},
		{[]string{"--incr", "-1"}, "incr -1 out of range"},
		{[]string{"-o", "html"}, `invalid output format "html"`},
		{[]string{"--out", ""}, "--out must not be empty"},
		{[]string{"--from", "/nonexistent/archive-bench.json"}, "open archive bench result"},
	} {
		r := runCLI(t, nil, append([]string{"bench", "archive"}, tc.args...)...)
		if r.code != exitUsage {
			t.Fatalf("%v: want exit 2\n%s", tc.args, r)
		}
		oneErrorLine(t, r, tc.want)
	}
}

// TestBenchArchiveFrom prints a saved result in each format, every figure
// recomputed from the raw samples (the file holds none of the summaries).
func TestBenchArchiveFrom(t *testing.T) {
	res := &bench.ArchiveResult{Version: bench.ArchiveFormatVersion, Config: bench.DefaultArchiveConfig(),
		Throughput: []bench.ThroughputCell{{Variant: bench.VariantDrillRate, Clients: 8, Rate: 2000, Runs: []bench.ThroughputRun{
			{OK: 20000, WindowMS: 10000}, {Archiver: true, OK: 19000, WindowMS: 10000, Lag: &bench.ArchiveLag{P99MS: 12.5}},
		}}},
		Restores: []bench.RestoreCell{{Keys: 1000, DatasetKeys: 1100,
			Archive:  []bench.ArchiveRestoreSample{{MaterializeMS: 10, ScratchMS: 300, VerifyMS: 10, Keys: 1100}},
			Snapshot: []bench.SnapshotRestoreSample{{LoadMS: 160, Keys: 1100}},
		}},
	}
	path := filepath.Join(t.TempDir(), bench.ArchiveJSONFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.WriteArchiveJSON(f, res); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "bench", "archive", "--from", path)
	for _, want := range []string{"0.950x", "12.5 ms", "0.320s", "0.160s", "2.00x"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Fatalf("text lacks %q\n%s", want, r)
		}
	}
	r = runCLI(t, nil, "bench", "archive", "--from", path, "-o", "markdown")
	if r.code != exitOK || !strings.Contains(r.stdout, "| drill-rate | 8 | 2000/s | 2000 | 1900 | 0.950x | yes |") {
		t.Fatalf("markdown row missing\n%s", r)
	}
	r = runCLI(t, nil, "bench", "archive", "--from", path, "-o", "json")
	var got bench.ArchiveResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != exitOK {
		t.Fatalf("stdout is not one JSON result: %v\n%s", err, r)
	}
	if got.Throughput[0].Ratio != 0.95 || got.Restores[0].ArchiveMS.Median != 320 || len(got.Targets) != 1 {
		t.Errorf("recomputed result: ratio %v, archive %+v, targets %+v", got.Throughput[0].Ratio, got.Restores[0].ArchiveMS, got.Targets)
	}
}

// TestBenchArchiveDocker runs the whole bench, small, and checks the JSON it
// writes: both throughput variants with one run per arm, the ratio, the
// lag of the run with the archiver, and every restore figure at 1000 keys.
func TestBenchArchiveDocker(t *testing.T) {
	docker(t)
	out := t.TempDir()
	r := runCLI(t, nil, "bench", "archive", "--keys", "1000", "--repeat", "1", "--duration", "2s", "--incr", "1000", "--out", out, "-o", "json")
	t.Logf("stderr:\n%s", r.stderr)
	if r.code != exitOK {
		t.Fatalf("want exit 0\n%s", r)
	}
	data, err := os.ReadFile(filepath.Join(out, bench.ArchiveJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) != strings.TrimSpace(r.stdout) {
		t.Error("-o json printed something else than the file it wrote")
	}
	var res bench.ArchiveResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("%s: %v", bench.ArchiveJSONFile, err)
	}
	if res.Version != bench.ArchiveFormatVersion || res.Machine.CPUs == 0 || res.Machine.Server == "" || res.Started.IsZero() || res.Finished.Before(res.Started) {
		t.Errorf("header: version %d machine %+v started %v finished %v", res.Version, res.Machine, res.Started, res.Finished)
	}
	if len(res.Throughput) != 2 {
		t.Fatalf("throughput cells %+v, want 2 variants", res.Throughput)
	}
	for _, c := range res.Throughput {
		if len(c.Runs) != 2 || c.Runs[0].Archiver || !c.Runs[1].Archiver {
			t.Errorf("%s: runs %+v, want without then with", c.Variant, c.Runs)
			continue
		}
		if c.Without.Median <= 0 || c.With.Median <= 0 || c.Ratio <= 0 || c.Runs[0].OK == 0 || c.Runs[1].WindowMS != 2000 {
			t.Errorf("%s: without %+v with %+v ratio %v runs %+v", c.Variant, c.Without, c.With, c.Ratio, c.Runs)
		}
		if lag := c.Runs[1].Lag; lag == nil || lag.Samples == 0 || lag.DurableOffset == 0 || c.LagP99MS.N != 1 {
			t.Errorf("%s: lag %+v (p99 summary %+v)", c.Variant, lag, c.LagP99MS)
		}
	}
	if len(res.Restores) != 1 {
		t.Fatalf("restores %+v, want one size", res.Restores)
	}
	c := res.Restores[0]
	if c.Keys != 1000 || c.DatasetKeys <= 1000 || c.DatasetKeys >= 2000 || c.IncrCommands < 1000 || c.Segments < 1 || c.RDBBytes == 0 || c.ArchiveBytes == 0 {
		t.Errorf("restore cell shape: %+v", c)
	}
	if len(c.Archive) != 1 || len(c.Snapshot) != 1 || len(c.Floor.Samples) != 1 || c.Errors != 0 {
		t.Fatalf("restore samples: archive %+v snapshot %+v floor %+v floor errors %v", c.Archive, c.Snapshot, c.Floor.Samples, c.FloorErrors)
	}
	a := c.Archive[0]
	if a.MaterializeMS <= 0 || a.ScratchMS <= 0 || a.VerifyMS <= 0 || a.Keys != c.DatasetKeys || c.ArchiveMS.Median <= 0 {
		t.Errorf("archive restore %+v (summary %+v)", a, c.ArchiveMS)
	}
	if c.SnapshotMS.Median <= 0 || c.Floor.Load.Median <= 0 || c.VsSnapshot <= 0 || c.VsRawLoad <= 0 {
		t.Errorf("snapshot %+v floor load %+v ratios %v %v", c.SnapshotMS, c.Floor.Load, c.VsSnapshot, c.VsRawLoad)
	}
}
