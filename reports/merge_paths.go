package reports

import (
	"fmt"
	"os"
	"path/filepath"
)

// evidenceSource is the evidence folder of s in the report folder dir
// (EvidenceDir; empty when it does not exist) and the place, relative to
// a report folder, it keeps in a merge: its place relative to dir when it
// lies there, else <name> (<server>/<name> for a scenario with a server
// recorded in a matrix layout). A name or server that is not a plain
// relative path (".." or absolute, from a hand-edited report) is refused.
func evidenceSource(dir string, s ScenarioResult) (src, rel string, err error) {
	rel = s.Name
	if s.Server != "" && isMatrixPlace(dir, s) {
		rel = filepath.Join(s.Server, s.Name)
	}
	if d := EvidenceDir(dir, s); isDir(d) {
		src = d
		if r, rerr := filepath.Rel(dir, d); rerr == nil && r != "." && filepath.IsLocal(r) {
			rel = r
		}
	}
	if !filepath.IsLocal(rel) {
		return "", "", fmt.Errorf("evidence place %q is not a plain relative path", rel)
	}
	return src, rel, nil
}

// isMatrixPlace reports whether s's evidence is recorded (or lies) at
// <server>/<name>, the layout of a matrix drill.
func isMatrixPlace(dir string, s ScenarioResult) bool {
	want := filepath.Join(s.Server, s.Name)
	if s.Artifacts.Dir != "" && !filepath.IsAbs(filepath.FromSlash(s.Artifacts.Dir)) {
		return filepath.Clean(filepath.FromSlash(s.Artifacts.Dir)) == want
	}
	return isDir(filepath.Join(dir, want)) && !isDir(filepath.Join(dir, s.Name))
}

// isDir reports whether p is an existing folder.
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// rebaseArtifacts returns a with every path absolute (read against the
// input's report folder dir, ResolvePath) and, when it lies in the
// evidence folder src, moved to the same place under to, where the merge
// copies src. A scenario without an evidence folder (src empty) keeps its
// paths' places relative to dir, now under out: they are missing there as
// they were in the input. Any other path stays where it is, absolute.
func rebaseArtifacts(a Artifacts, dir, src, to, out string) Artifacts {
	move := func(p string) string {
		if p == "" {
			return p
		}
		abs := ResolvePath(dir, p)
		if a, err := filepath.Abs(abs); err == nil {
			abs = a
		}
		from, onto := src, to
		if src == "" {
			from, onto = dir, out
		}
		if !within(from, abs) {
			return abs
		}
		r, err := filepath.Rel(from, abs)
		if err != nil {
			return abs
		}
		return filepath.Join(onto, r)
	}
	moveMap := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, p := range m {
			out[k] = move(p)
		}
		return out
	}
	a.Dir, a.Ledger, a.Events = move(a.Dir), move(a.Ledger), move(a.Events)
	a.NodeLogs, a.DataDirs = moveMap(a.NodeLogs), moveMap(a.DataDirs)
	return a
}
