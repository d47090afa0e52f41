package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAllRelativeArtifacts: report.json, junit.xml and report.html
// record every evidence path relative to the report's folder, however the
// out folder was named, and the caller's run is left untouched.
func TestWriteAllRelativeArtifacts(t *testing.T) {
	out := t.TempDir()
	ev := filepath.Join(out, "primary-kill")
	run := Run{Scenarios: []ScenarioResult{{Name: "primary-kill", Artifacts: Artifacts{
		Dir: ev, Ledger: filepath.Join(ev, FileLedger), Events: filepath.Join(ev, FileEvents),
		NodeLogs: map[string]string{"n0": filepath.Join(ev, "n0.log")},
		DataDirs: map[string]string{"n0": filepath.Join(ev, "datadir-n0")},
	}}}}
	if _, err := WriteAll(out, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRun(filepath.Join(out, FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	a := back.Scenarios[0].Artifacts
	want := Artifacts{
		Dir: "primary-kill", Ledger: "primary-kill/" + FileLedger, Events: "primary-kill/" + FileEvents,
		NodeLogs: map[string]string{"n0": "primary-kill/n0.log"},
		DataDirs: map[string]string{"n0": "primary-kill/datadir-n0"},
	}
	if a.Dir != want.Dir || a.Ledger != want.Ledger || a.Events != want.Events ||
		a.NodeLogs["n0"] != want.NodeLogs["n0"] || a.DataDirs["n0"] != want.DataDirs["n0"] {
		t.Errorf("artifacts in report.json = %+v, want %+v", a, want)
	}
	if run.Scenarios[0].Artifacts.Dir != ev || run.Scenarios[0].Artifacts.NodeLogs["n0"] != filepath.Join(ev, "n0.log") {
		t.Errorf("WriteAll changed the caller's run: %+v", run.Scenarios[0].Artifacts)
	}
	for _, f := range []string{FileJUnit, FileHTML} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), out) || !strings.Contains(string(b), "primary-kill/n0.log") {
			t.Errorf("%s does not record the paths relative to its folder", f)
		}
	}
}

// TestRelativeArtifactsFromWorkingDir: paths given relative to the
// current directory (an --out as typed) become relative to the report's
// folder; one outside it climbs with "..".
func TestRelativeArtifactsFromWorkingDir(t *testing.T) {
	t.Chdir(t.TempDir())
	run := Run{Scenarios: []ScenarioResult{
		{Name: "a", Artifacts: Artifacts{Dir: filepath.Join("out", "drill", "a")}},
		{Name: "b", Artifacts: Artifacts{Dir: filepath.Join("out", "artifacts", "b")}},
		{Name: "c"},
	}}
	got := RelativeArtifacts(run, filepath.Join("out", "drill"))
	for i, want := range []string{"a", "../artifacts/b", ""} {
		if d := got.Scenarios[i].Artifacts.Dir; d != want {
			t.Errorf("scenario %s: dir %q, want %q", run.Scenarios[i].Name, d, want)
		}
	}
}

// TestEvidenceDir resolves a recorded path against the report's folder,
// keeps an absolute one, and falls back to <report>/<name> (or
// <report>/<server>/<name>) when the recorded path does not exist or is
// an absolute path outside a copied report's folder.
func TestEvidenceDir(t *testing.T) {
	orig, copied := t.TempDir(), t.TempDir()
	mk := func(p string) string {
		t.Helper()
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	origEv := mk(filepath.Join(orig, "s"))
	copyEv := mk(filepath.Join(copied, "s"))
	matrixEv := mk(filepath.Join(copied, "valkey-9", "m"))
	elsewhere := mk(filepath.Join(t.TempDir(), "kept"))
	cases := []struct {
		name string
		s    ScenarioResult
		dir  string
		want string
	}{
		{"relative", ScenarioResult{Name: "s", Artifacts: Artifacts{Dir: "s"}}, copied, copyEv},
		{"relative, folder renamed", ScenarioResult{Name: "s", Artifacts: Artifacts{Dir: "old-name"}}, copied, copyEv},
		{"cwd-relative of an older report", ScenarioResult{Name: "s", Artifacts: Artifacts{Dir: "out/drill/s"}}, copied, copyEv},
		{"absolute, inside the report folder", ScenarioResult{Name: "s", Artifacts: Artifacts{Dir: origEv}}, orig, origEv},
		{"absolute, report copied", ScenarioResult{Name: "s", Artifacts: Artifacts{Dir: origEv}}, copied, copyEv},
		{"absolute, evidence kept elsewhere", ScenarioResult{Name: "x", Artifacts: Artifacts{Dir: elsewhere}}, copied, elsewhere},
		{"none recorded", ScenarioResult{Name: "s"}, copied, copyEv},
		{"matrix", ScenarioResult{Name: "m", Server: "valkey-9", Artifacts: Artifacts{Dir: "gone/m"}}, copied, matrixEv},
		{"nothing exists", ScenarioResult{Name: "z", Artifacts: Artifacts{Dir: "z"}}, copied, filepath.Join(copied, "z")},
	}
	for _, c := range cases {
		if got := EvidenceDir(c.dir, c.s); got != c.want {
			t.Errorf("%s: EvidenceDir = %q, want %q", c.name, got, c.want)
		}
	}
}
