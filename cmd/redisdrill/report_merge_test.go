package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/reports"
)

// shardOut writes run into a drill-like out folder dir: an evidence
// folder with a ledger per scenario, then the four reports.
func shardOut(t *testing.T, dir string, run reports.Run) string {
	t.Helper()
	run.Scenarios = append([]reports.ScenarioResult{}, run.Scenarios...)
	for i := range run.Scenarios {
		s := &run.Scenarios[i]
		ev := filepath.Join(dir, s.Name)
		if err := os.MkdirAll(ev, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ev, reports.FileLedger), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s.Artifacts = reports.Artifacts{Dir: ev, Ledger: filepath.Join(ev, reports.FileLedger)}
	}
	if _, err := reports.WriteAll(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fixtureShards splits reports/testdata/run.json (pass, fail, invalid)
// into shard folders under root: the first scenario, and the rest.
func fixtureShards(t *testing.T, root string) (passing, failing string) {
	t.Helper()
	base, err := reports.ReadRun(filepath.Join("..", "..", "reports", "testdata", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	one, rest := base, base
	one.Scenarios, rest.Scenarios = base.Scenarios[:1], base.Scenarios[1:]
	if one.Scenarios[0].Verdict.Status != reports.StatusPass {
		t.Fatalf("fixture's first scenario is %s, want pass", one.Scenarios[0].Verdict.Status)
	}
	return shardOut(t, filepath.Join(root, "shard-1"), one), shardOut(t, filepath.Join(root, "shard-2"), rest)
}

// TestReportMergeGate: a merge of a passing shard exits 0; with a failing
// one it writes the merged folder and exits 1 like drill; report compare
// and the written files accept the merge.
func TestReportMergeGate(t *testing.T) {
	root := t.TempDir()
	pass, fail := fixtureShards(t, root)
	ok := filepath.Join(root, "ok")
	r := runCLI(t, nil, "report", "merge", pass, "--out", ok)
	if r.code != exitOK || !strings.Contains(r.stdout, "merged 1 scenarios from 1 reports") {
		t.Fatalf("merge of a passing shard: want exit 0\n%s", r)
	}
	all := filepath.Join(root, "all")
	r = runCLI(t, nil, "report", "merge", filepath.Join(pass, reports.FileJSON), fail, "--out", all)
	if r.code != exitFailed {
		t.Fatalf("merge with a failing shard: want exit 1\n%s", r)
	}
	oneErrorLine(t, r, "2 of 3 scenarios did not pass")
	run, err := reports.ReadRun(filepath.Join(all, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Scenarios) != 3 {
		t.Fatalf("merged %d scenarios, want 3", len(run.Scenarios))
	}
	for _, s := range run.Scenarios {
		if s.Artifacts.Dir != s.Name {
			t.Errorf("%s: evidence dir %q, want %q", s.Name, s.Artifacts.Dir, s.Name)
		}
		if _, err := os.Stat(filepath.Join(all, s.Name, reports.FileLedger)); err != nil {
			t.Error(err)
		}
	}
	for _, f := range []string{reports.FileJUnit, reports.FileMarkdown, reports.FileHTML} {
		if st, err := os.Stat(filepath.Join(all, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if r := runCLI(t, nil, "report", "compare", all, filepath.Join(all, reports.FileJSON)); r.code != exitOK || !strings.Contains(r.stdout, "no regression") {
		t.Errorf("report compare of the merge with itself: want exit 0\n%s", r)
	}
}

// TestReportMergeRefusals: duplicates, non-reports, missing inputs, an
// out folder with a report and builds that differ are one line and exit
// 2 with nothing written; inputs with no scenario exit 1, nothing written.
func TestReportMergeRefusals(t *testing.T) {
	root := t.TempDir()
	pass, fail := fixtureShards(t, root)
	garbage := filepath.Join(root, "garbage.json")
	if err := os.WriteFile(garbage, []byte(`{"not": "a report"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	again := shardOut(t, filepath.Join(root, "again"), mustRead(t, pass))
	other := mustRead(t, fail)
	other.Version = "(devel) rev 0123456789ab"
	mixed := shardOut(t, filepath.Join(root, "mixed"), other)
	out := filepath.Join(root, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{pass, again}, "scenario primary-kill on unknown is in both"},
		{[]string{pass, garbage}, "is not a report"},
		{[]string{pass, root}, "has no report.json"},
		{[]string{pass, filepath.Join(root, "nowhere")}, "does not exist"},
		{[]string{pass, mixed}, "different builds"},
		{[]string{pass, pass}, "are the same report"},
		{[]string{pass}, `required flag(s) "out" not set`},
	} {
		args := append([]string{"report", "merge"}, c.args...)
		if !strings.Contains(c.want, "required") {
			args = append(args, "--out", out)
		}
		usageError(t, args, c.want)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%v wrote %s", c.args, out)
		}
	}
	usageError(t, []string{"report", "merge", pass, "--out", ""}, "flag --out must not be empty")
	if r := runCLI(t, nil, "report", "merge", pass, mixed, "--allow-mixed", "--out", out); r.code != exitFailed {
		t.Errorf("--allow-mixed: want the merge written, exit 1 for the failing scenarios\n%s", r)
	}
	// An out folder holding a report needs --force; a file of the user's
	// stays.
	mine := filepath.Join(out, "mine.txt")
	if err := os.WriteFile(mine, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	usageError(t, []string{"report", "merge", pass, "--out", out}, "already holds a report.json (--force writes over it)")
	if r := runCLI(t, nil, "report", "merge", pass, "--out", out, "--force"); r.code != exitOK {
		t.Errorf("--force: want exit 0\n%s", r)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("--force removed a user file: %v", err)
	}
	// Empty shards only: nothing to gate on.
	empty := mustRead(t, pass)
	empty.Scenarios = nil
	e1 := shardOut(t, filepath.Join(root, "e1"), empty)
	e2 := shardOut(t, filepath.Join(root, "e2"), empty)
	r := runCLI(t, nil, "report", "merge", e1, e2, "--out", filepath.Join(root, "none"))
	if r.code != exitFailed {
		t.Fatalf("merge of empty shards: want exit 1\n%s", r)
	}
	oneErrorLine(t, r, "hold no scenario; nothing written")
	if _, err := os.Stat(filepath.Join(root, "none")); !os.IsNotExist(err) {
		t.Error("merge of empty shards wrote its out folder")
	}
}

func mustRead(t *testing.T, dir string) reports.Run {
	t.Helper()
	run, err := reports.ReadRun(filepath.Join(dir, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	return run
}
