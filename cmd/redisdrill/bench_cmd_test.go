package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/scenarios/bench"
)

func TestBenchRollbackBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--strategies", "engine-promote,nope"}, `unknown strategy "nope"`},
		{[]string{"--keys", "0"}, "keys 0 out of range"},
		{[]string{"--repeat", "0"}, "repeat must be in"},
		{[]string{"--node-timeout", "5ms"}, "node timeout 5ms out of range"},
		{[]string{"--node-timeout", "5"}, `invalid argument "5" for "--node-timeout" flag`},
	} {
		r := runCLI(t, nil, append([]string{"bench", "rollback"}, tc.args...)...)
		if r.code != exitUsage {
			t.Fatalf("%v: want exit 2\n%s", tc.args, r)
		}
		oneErrorLine(t, r, tc.want)
	}
}

func TestBenchShow(t *testing.T) {
	path := writeBenchFixture(t)
	dir := filepath.Dir(path)
	r := runCLI(t, nil, "bench", "show", path)
	if r.code != 0 || !strings.Contains(r.stdout, "engine-promote") || !strings.Contains(r.stdout, "0.250s") {
		t.Fatalf("show did not print the recomputed median\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, bench.HTMLFile)); err != nil {
		t.Fatalf("bench.html not written: %v", err)
	}
	r = runCLI(t, nil, "bench", "show", filepath.Join(dir, "missing.json"))
	if r.code != exitUsage {
		t.Fatalf("want exit 2 for a missing file\n%s", r)
	}
}

// writeBenchFixture writes a bench.json with three engine-promote samples
// (median 250 ms) at 1000 keys into a temp dir and returns its path.
func writeBenchFixture(t *testing.T) string {
	t.Helper()
	res := &bench.Result{Version: bench.FormatVersion, Config: bench.DefaultConfig()}
	res.Config.Keys = []int{1000}
	for _, ms := range []float64{200, 300, 250} {
		res.AddSample(1000, bench.EnginePromote, bench.Sample{RTOMS: ms, Acked: 10})
	}
	path := filepath.Join(t.TempDir(), bench.JSONFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.WriteJSON(f, res); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBenchSetupBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--topology", "3x1,ring"}, `invalid --topology: parse topology "ring"`},
		{[]string{"--topology", ""}, "invalid --topology: parse topologies: empty list"},
		{[]string{"--runs", "0"}, "runs 0 out of range"},
		{[]string{"-o", "yaml"}, `invalid output format "yaml"`},
		{[]string{"--server", "nope"}, `invalid --server: unknown server "nope"`},
		{[]string{"--server", "redis-7.0", "--matrix", "valkey-9"}, "none of the others can be"},
	} {
		r := runCLI(t, nil, append([]string{"bench", "setup"}, tc.args...)...)
		if r.code != exitUsage {
			t.Fatalf("%v: want exit 2\n%s", tc.args, r)
		}
		oneErrorLine(t, r, tc.want)
	}
}

// TestBenchSetupJSON times one standalone start for real and checks that
// -o json puts only the result on stdout, with the sample's milestones in
// order.
func TestBenchSetupJSON(t *testing.T) {
	docker(t)
	r := runCLI(t, nil, "bench", "setup", "--topology", "standalone", "--runs", "1", "-o", "json")
	if r.code != exitOK {
		t.Fatalf("want exit 0\n%s", r)
	}
	var res bench.SetupResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not one JSON result: %v\n%s", err, r)
	}
	if len(res.Cells) != 1 || res.Cells[0].Topology != "standalone" || res.Cells[0].ReadyMS.N != 1 || len(res.Cells[0].Samples) != 1 {
		t.Fatalf("cells %+v", res.Cells)
	}
	s := res.Cells[0].Samples[0]
	if !(s.NetworkMS > 0 && s.NetworkMS <= s.ContainersMS && s.ContainersMS <= s.ListeningMS && s.ListeningMS <= s.FormedMS && s.FormedMS <= s.ReadyMS) {
		t.Errorf("milestones out of order: %+v", s)
	}
	// The pooled start: one sample, taken from the pool, whose own start
	// ran ahead of the call.
	c := res.Cells[0]
	if !res.Config.Pooled || c.PooledReadyMS.N != 1 || len(c.PooledSamples) != 1 {
		t.Fatalf("pooled samples %+v (summary %+v)", c.PooledSamples, c.PooledReadyMS)
	}
	if p := c.PooledSamples[0]; p.PoolStartMS <= 0 || p.ReadyMS <= 0 {
		t.Errorf("pooled sample %+v: no pool start or no ready time", p)
	}
}
