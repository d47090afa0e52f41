package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// RelativeArtifacts returns run with every evidence path of its scenarios
// (Artifacts.Dir, the ledger, the events, node logs and data folders)
// rewritten relative to dir, the folder report.json is written to, with
// forward slashes: a moved or downloaded out folder then still names its
// own files. Paths are taken as the live run records them: absolute or
// relative to the current directory (so never pass a run read back from a
// report.json). A path that cannot be made relative (another volume) is
// kept absolute. run itself is not modified.
func RelativeArtifacts(run Run, dir string) Run {
	base, err := filepath.Abs(dir)
	if err != nil {
		return run
	}
	rel := func(p string) string {
		if p == "" {
			return p
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		r, err := filepath.Rel(base, abs)
		if err != nil {
			return abs
		}
		return filepath.ToSlash(r)
	}
	relMap := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, p := range m {
			out[k] = rel(p)
		}
		return out
	}
	run.Scenarios = slices.Clone(run.Scenarios)
	for i := range run.Scenarios {
		a := &run.Scenarios[i].Artifacts
		a.Dir, a.Ledger, a.Events = rel(a.Dir), rel(a.Ledger), rel(a.Events)
		a.NodeLogs, a.DataDirs = relMap(a.NodeLogs), relMap(a.DataDirs)
	}
	return run
}

// ResolvePath is where an evidence path recorded in a report.json that
// lies in reportDir is: a relative path is taken relative to reportDir,
// an absolute one (older reports) as is.
func ResolvePath(reportDir, p string) string {
	p = filepath.FromSlash(p)
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(reportDir, p)
}

// EvidenceDir is the evidence folder of s for the report.json in
// reportDir: its recorded Artifacts.Dir (see ResolvePath) when that
// exists, else <reportDir>/<name> (<reportDir>/<server>/<name> in a
// matrix run), where a drill writes it. An absolute recorded path outside
// reportDir gives way to a folder of that name beside report.json, so a
// copy of an older report reads its own files, never the original's.
// When nothing exists it returns the recorded path (or <reportDir>/<name>)
// for the reader to report.
func EvidenceDir(reportDir string, s ScenarioResult) string {
	recorded := ResolvePath(reportDir, s.Artifacts.Dir)
	local := []string{filepath.Join(reportDir, s.Name)}
	if s.Server != "" {
		local = append(local, filepath.Join(reportDir, s.Server, s.Name))
	}
	var order []string
	switch {
	case recorded == "":
		order = local
	case filepath.IsAbs(filepath.FromSlash(s.Artifacts.Dir)) && !within(reportDir, recorded):
		order = append(slices.Clone(local), recorded)
	default:
		order = append([]string{recorded}, local...)
	}
	for _, d := range order {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	if recorded != "" {
		return recorded
	}
	return local[0]
}

// within reports whether p lies inside dir (both made absolute).
func within(dir, p string) bool {
	a, err1 := filepath.Abs(dir)
	b, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return false
	}
	r, err := filepath.Rel(a, b)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}
