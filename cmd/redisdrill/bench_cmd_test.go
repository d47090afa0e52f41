package main

import (
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
