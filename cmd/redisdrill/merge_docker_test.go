package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/reports"
)

// TestShardMergeAudit runs a two-scenario selection as two real shards
// (--shard 1/2 and 2/2, relative --out as a CI matrix does), merges them,
// and checks that the merge gates like a drill, holds both scenarios with
// the shards' figures, and, once the shard folders are gone and the merge
// moved, still audits (every scenario agrees with its evidence) and is
// accepted by report compare.
func TestShardMergeAudit(t *testing.T) {
	docker(t)
	work := t.TempDir()
	sel := []string{"--scenario", "primary-kill-engine", "--scenario", "empty-restart-guard"}
	shards := map[string]reports.ScenarioResult{}
	var inputs []string
	for _, i := range []string{"1", "2"} {
		out := "shard-" + i
		r := runIn(t, work, append(append([]string{"drill"}, sel...), "--shard", i+"/2", "--out", out)...)
		run, err := reports.ReadRun(filepath.Join(work, out, reports.FileJSON))
		if err != nil {
			t.Fatalf("shard %s/2 wrote no report: %v\n%s", i, err, r)
		}
		if len(run.Scenarios) != 1 || !strings.Contains(r.stdout, "[1/1] ") {
			t.Fatalf("shard %s/2: want one scenario\n%s", i, r)
		}
		s := run.Scenarios[0]
		if want := map[bool]int{true: exitFailed, false: exitOK}[s.Verdict.Status.Failed()]; r.code != want {
			t.Fatalf("shard %s/2 (%s %s): exit %d, want %d\n%s", i, s.Name, s.Verdict.Status, r.code, want, r)
		}
		if _, dup := shards[s.Name]; dup {
			t.Fatalf("%s ran in both shards", s.Name)
		}
		shards[s.Name] = s
		inputs = append(inputs, out+"/"+reports.FileJSON)
	}
	bad := 0
	for _, s := range shards {
		if s.Verdict.Status.Failed() {
			bad++
			t.Logf("%s: %s %v (the merge must still gate and audit)", s.Name, s.Verdict.Status, s.Verdict.Reasons)
		}
	}

	r := runIn(t, work, "report", "merge", inputs[0], "shard-2", "--out", "all")
	if want := map[bool]int{true: exitFailed, false: exitOK}[bad > 0]; r.code != want {
		t.Fatalf("merge: exit %d, want %d\n%s", r.code, want, r)
	}
	merged, err := reports.ReadRun(filepath.Join(work, "all", reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Scenarios) != 2 || merged.Scenarios[0].Name != "empty-restart-guard" || merged.Scenarios[1].Name != "primary-kill-engine" {
		t.Fatalf("merged scenarios: %+v", merged.Scenarios)
	}
	for _, s := range merged.Scenarios {
		orig := shards[s.Name]
		if s.RTO != orig.RTO || s.Loss != orig.Loss || s.Verdict.Status != orig.Verdict.Status || !s.T0.Equal(orig.T0) {
			t.Errorf("%s: merged figures differ from the shard's", s.Name)
		}
		if s.Artifacts.Dir != s.Name || s.Artifacts.Ledger != s.Name+"/"+reports.FileLedger {
			t.Errorf("%s: artifacts %q, %q not relative to the merged folder", s.Name, s.Artifacts.Dir, s.Artifacts.Ledger)
		}
	}
	if r := runIn(t, work, "report", "compare", inputs[0], "all"); r.code != exitOK {
		t.Errorf("compare shard 1 with the merge: want exit 0 (only new scenarios)\n%s", r)
	}

	// Self-contained: without the shards, and moved, it still audits.
	for _, d := range []string{"shard-1", "shard-2"} {
		if err := os.RemoveAll(filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	moved := filepath.Join(t.TempDir(), "from-ci")
	if err := os.Rename(filepath.Join(work, "all"), moved); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "audit", moved)
	if r.code != exitOK || strings.Count(r.stdout, "agrees") != 2 {
		t.Fatalf("audit of the moved merge: want exit 0, both scenarios agreeing\n%s", r)
	}
	if r := runCLI(t, nil, "report", "compare", moved, filepath.Join(moved, reports.FileJSON)); r.code != exitOK || !strings.Contains(r.stdout, "no regression") {
		t.Errorf("report compare of the merge: want exit 0\n%s", r)
	}
}
