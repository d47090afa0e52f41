package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mergeCase is one scenario of a shard report built by writeShard.
type mergeCase struct {
	name, server string
	status       Status
	// matrix puts the evidence at <server>/<name>, as a matrix drill does.
	matrix bool
}

// writeShard writes a drill-like out folder root/shard: per scenario an
// evidence folder with a ledger and a node log, then the four reports
// (WriteAll, artifact paths recorded relative to the folder). It returns
// the folder.
func writeShard(t *testing.T, root, shard, version string, start time.Time, cases ...mergeCase) string {
	t.Helper()
	dir := filepath.Join(root, shard)
	run := Run{Version: version, Start: start, End: start.Add(time.Minute), Host: "host-" + shard, GoVersion: "go1.26.0",
		Args: []string{"drill", "--shard", shard}, Scenarios: []ScenarioResult{}}
	for _, c := range cases {
		ev := filepath.Join(dir, c.name)
		if c.matrix {
			ev = filepath.Join(dir, c.server, c.name)
		}
		if err := os.MkdirAll(filepath.Join(ev, "logs"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{FileLedger, filepath.Join("logs", "n0.log")} {
			if err := os.WriteFile(filepath.Join(ev, f), []byte(shard+"/"+c.name+"/"+f+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run.Scenarios = append(run.Scenarios, ScenarioResult{
			Name: c.name, Server: c.server, Topology: "cluster 3x1", Verdict: Verdict{Status: c.status},
			Artifacts: Artifacts{Dir: ev, Ledger: filepath.Join(ev, FileLedger), NodeLogs: map[string]string{"n0": filepath.Join(ev, "logs", "n0.log")}},
		})
	}
	if _, err := WriteAll(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readInputs reads the report.json of each folder as PlanMerge's inputs.
func readInputs(t *testing.T, dirs ...string) []MergeInput {
	t.Helper()
	var out []MergeInput
	for _, d := range dirs {
		run, err := ReadRun(filepath.Join(d, FileJSON))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, MergeInput{Path: filepath.Join(d, FileJSON), Dir: d, Run: run})
	}
	return out
}

// TestMergeWritesSelfContainedFolder merges two shards: one report with
// every scenario in name order, the metadata joined, the evidence in the
// out folder (hard links on one filesystem) and every artifact path
// relative to it, round-tripping through ReadRun.
func TestMergeWritesSelfContainedFolder(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := writeShard(t, root, "shard-1", "(devel) rev abc", t0.Add(time.Minute), mergeCase{name: "s3", server: "redis-7.0", status: StatusPass}, mergeCase{name: "s1", server: "redis-7.0", status: StatusPass})
	b := writeShard(t, root, "shard-2", "(devel) rev abc", t0, mergeCase{name: "s2", server: "redis-7.0", status: StatusFail})
	out := filepath.Join(root, "all")
	m, err := PlanMerge(readInputs(t, a, b), out, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	paths, err := WriteMerged(out, m, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("wrote %v, want the four reports", paths)
	}
	for _, f := range []string{FileJSON, FileJUnit, FileMarkdown, FileHTML} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	run, err := ReadRun(filepath.Join(out, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range run.Scenarios {
		names = append(names, s.Name)
		if s.Artifacts.Dir != s.Name || s.Artifacts.Ledger != s.Name+"/"+FileLedger || s.Artifacts.NodeLogs["n0"] != s.Name+"/logs/n0.log" {
			t.Errorf("%s: artifacts %+v not relative to the merged folder", s.Name, s.Artifacts)
		}
		ev := EvidenceDir(out, s)
		if ev != filepath.Join(out, s.Name) {
			t.Errorf("%s: evidence dir %s, want inside %s", s.Name, ev, out)
		}
		for _, p := range []string{s.Artifacts.Ledger, s.Artifacts.NodeLogs["n0"]} {
			if _, err := os.Stat(ResolvePath(out, p)); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
	}
	if strings.Join(names, ",") != "s1,s2,s3" {
		t.Errorf("merged scenarios %v, want s1,s2,s3", names)
	}
	if !run.Start.Equal(t0) || !run.End.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("start %s end %s: want the earliest start and the latest end", run.Start, run.End)
	}
	if run.Host != "host-shard-1, host-shard-2" || run.Version != "(devel) rev abc" {
		t.Errorf("host %q version %q", run.Host, run.Version)
	}
	if want := []string{"report", "merge", filepath.Join(a, FileJSON), filepath.Join(b, FileJSON)}; strings.Join(run.Args, " ") != strings.Join(want, " ") {
		t.Errorf("args %q, want %q", run.Args, want)
	}
	src, _ := os.Stat(filepath.Join(a, "s1", FileLedger))
	dst, _ := os.Stat(filepath.Join(out, "s1", FileLedger))
	if src == nil || dst == nil || !os.SameFile(src, dst) {
		t.Errorf("evidence on one filesystem is not hard-linked")
	}
}

// TestMergeKeepsMatrixLayout: evidence at <server>/<name> stays there;
// a symbolic link in it is recreated as it reads; an empty shard's report
// adds nothing.
func TestMergeKeepsMatrixLayout(t *testing.T) {
	root := t.TempDir()
	a := writeShard(t, root, "a", "v", time.Now(), mergeCase{name: "s1", server: "redis-7.0", status: StatusPass, matrix: true}, mergeCase{name: "s1", server: "valkey-9", status: StatusPass, matrix: true})
	if err := os.Symlink("logs/n0.log", filepath.Join(a, "redis-7.0", "s1", "latest.log")); err != nil {
		t.Fatal(err)
	}
	empty := writeShard(t, root, "empty", "v", time.Now())
	b := writeShard(t, root, "b", "v", time.Now(), mergeCase{name: "s2", server: "valkey-9", status: StatusPass, matrix: true})
	out := filepath.Join(root, "all")
	m, err := PlanMerge(readInputs(t, a, empty, b), out, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteMerged(out, m, false); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(filepath.Join(out, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(out, "redis-7.0", "s1", "latest.log")); err != nil || target != "logs/n0.log" {
		t.Errorf("symbolic link: %q, %v", target, err)
	}
	var got []string
	for _, s := range run.Scenarios {
		got = append(got, s.Artifacts.Dir)
		if _, err := os.Stat(filepath.Join(out, s.Server, s.Name, FileLedger)); err != nil {
			t.Error(err)
		}
	}
	if strings.Join(got, ",") != "redis-7.0/s1,valkey-9/s1,valkey-9/s2" {
		t.Errorf("evidence dirs %v", got)
	}
}

// TestMergeRefusals: each refusal is one line and writes nothing.
func TestMergeRefusals(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	a := writeShard(t, root, "a", "(devel) rev aaa", now, mergeCase{name: "s1", server: "redis-7.0", status: StatusPass})
	dup := writeShard(t, root, "dup", "(devel) rev aaa", now, mergeCase{name: "s1", server: "redis-7.0", status: StatusPass})
	other := writeShard(t, root, "other", "(devel) rev bbb", now, mergeCase{name: "s2", server: "redis-7.0", status: StatusPass})
	onValkey := writeShard(t, root, "valkey", "(devel) rev aaa", now, mergeCase{name: "s1", server: "valkey-9", status: StatusPass, matrix: true})
	out := filepath.Join(root, "all")
	for _, c := range []struct {
		name   string
		inputs []MergeInput
		out    string
		want   string
	}{
		{"no input", nil, out, "no input report"},
		{"duplicate scenario", readInputs(t, a, dup), out, "scenario s1 on redis-7.0 is in both"},
		{"same input twice", readInputs(t, a, a), out, "are the same report"},
		{"mixed builds", readInputs(t, a, other), out, "different builds"},
		{"input is the out folder", readInputs(t, a), a, "in the output folder itself"},
		{"out inside evidence", readInputs(t, a), filepath.Join(a, "s1", "x"), "lies inside s1's evidence folder"},
	} {
		_, err := PlanMerge(c.inputs, c.out, MergeOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line with %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused merge wrote %s", out)
	}
	// The same scenario on two servers is two cases, and --allow-mixed
	// merges two builds.
	if _, err := PlanMerge(readInputs(t, a, onValkey), out, MergeOptions{}); err != nil {
		t.Errorf("s1 on two servers: %v", err)
	}
	m, err := PlanMerge(readInputs(t, a, other), out, MergeOptions{AllowMixed: true})
	if err != nil {
		t.Fatalf("allow mixed: %v", err)
	}
	if m.Run.Version != "(devel) rev aaa + (devel) rev bbb" {
		t.Errorf("mixed version %q", m.Run.Version)
	}
}

// TestMergeForce: an out folder with a report.json or the same evidence
// is refused without force; with force the files are replaced (never
// written through a hard link into an input) and other files are kept.
func TestMergeForce(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	first := writeShard(t, root, "first", "v", now, mergeCase{name: "s1", server: "redis-7.0", status: StatusPass})
	second := writeShard(t, root, "second", "v", now, mergeCase{name: "s1", server: "redis-7.0", status: StatusPass})
	out := filepath.Join(root, "all")
	merge := func(dir string, force bool) error {
		m, err := PlanMerge(readInputs(t, dir), out, MergeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = WriteMerged(out, m, force)
		return err
	}
	if err := merge(first, false); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := merge(second, false); err == nil || !strings.Contains(err.Error(), "already holds a report.json") {
		t.Fatalf("second merge without force: err = %v", err)
	}
	if err := os.Remove(filepath.Join(out, FileJSON)); err != nil {
		t.Fatal(err)
	}
	if err := merge(second, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("merge over evidence without force: err = %v", err)
	}
	if err := merge(second, true); err != nil {
		t.Fatalf("merge with force: %v", err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read(filepath.Join(out, "s1", FileLedger)); !strings.HasPrefix(got, "second/") {
		t.Errorf("forced merge kept the old evidence: %q", got)
	}
	if got := read(filepath.Join(first, "s1", FileLedger)); !strings.HasPrefix(got, "first/") {
		t.Errorf("forced merge wrote through a hard link into the first input: %q", got)
	}
	if read(mine) != "mine" {
		t.Error("a file of the user's was changed")
	}
}

// TestCopyFileKeepsContentAndMode: the fallback when a hard link is
// refused (another filesystem) copies the bytes and the permission bits.
func TestCopyFileKeepsContentAndMode(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "data" || st.Mode().Perm() != 0o600 {
		t.Errorf("copy: %q mode %v", b, st.Mode().Perm())
	}
	a, _ := os.Stat(src)
	if os.SameFile(a, st) {
		t.Error("copyFile linked instead of copying")
	}
}

func TestBuildOf(t *testing.T) {
	for v, want := range map[string]string{
		"(devel) rev 1a2b3c4d5e6f-dirty 2026-11-30T18:00:00Z": "1a2b3c4d5e6f-dirty",
		"v1.2.0 rev 1a2b3c4d5e6f 2026-11-30T18:00:00Z":        "1a2b3c4d5e6f",
		"0.1.0-dev": "0.1.0-dev",
		"":          "",
	} {
		if got := BuildOf(v); got != want {
			t.Errorf("BuildOf(%q) = %q, want %q", v, got, want)
		}
	}
}
