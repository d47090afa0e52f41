package reports

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
)

// MergeInput is one report to merge, e.g. one CI shard's drill.
type MergeInput struct {
	// Path names the input as given (the merged run's Args list it).
	Path string
	// Dir is the folder holding the input's report.json: its relative
	// evidence paths are read against it (ResolvePath, EvidenceDir).
	Dir string
	// Run is the input's report.json, as ReadRun returns it.
	Run Run
}

// MergeOptions changes what PlanMerge accepts.
type MergeOptions struct {
	// AllowMixed merges reports of different builds (see BuildOf).
	AllowMixed bool
}

// EvidenceCopy is one scenario's evidence folder and where a merge puts
// it; both paths are absolute.
type EvidenceCopy struct {
	From string
	To   string
}

// Merged is a planned merge: the merged run, whose artifact paths are
// absolute and point into the merge's out folder, and the evidence
// folders to bring there before the reports are written (WriteMerged).
type Merged struct {
	Run    Run
	Copies []EvidenceCopy
}

// mergeEntry is one scenario of a merge: its result, its input, its
// evidence folder (empty when it has none) and that folder's place in
// the out folder.
type mergeEntry struct {
	s     ScenarioResult
	input string
	dir   string
	src   string
	rel   string
}

// PlanMerge joins the runs of inputs into one run to be written to
// outDir, touching the filesystem only to find each scenario's evidence
// folder (EvidenceDir). The merged run's scenarios are ordered by server
// (in the order the inputs first name them) and, within a server, by
// name. Each evidence folder keeps its place relative to its report
// (<name>, or <server>/<name> in a matrix run), so the merged folder is
// laid out as one drill would have written it, and the artifact paths
// are rewritten to point there. The metadata is mergeMeta's.
//
// PlanMerge refuses, with a one-line error: no input; the same input
// folder twice; an input folder that is outDir; a scenario on one server
// in two inputs (or twice in one); an evidence folder holding outDir;
// two evidence folders bound for one place; inputs of different builds
// (BuildOf) unless opts.AllowMixed.
func PlanMerge(inputs []MergeInput, outDir string, opts MergeOptions) (Merged, error) {
	if len(inputs) == 0 {
		return Merged{}, errors.New("merge reports: no input report")
	}
	out, err := filepath.Abs(outDir)
	if err != nil {
		return Merged{}, fmt.Errorf("merge reports: %w", err)
	}
	if err := checkBuilds(inputs, opts); err != nil {
		return Merged{}, err
	}
	entries, err := mergeEntries(inputs, out)
	if err != nil {
		return Merged{}, err
	}
	var servers []string
	for _, e := range entries {
		if n := serverName(e.s); !slices.Contains(servers, n) {
			servers = append(servers, n)
		}
	}
	slices.SortStableFunc(entries, func(a, b mergeEntry) int {
		return cmp.Or(cmp.Compare(slices.Index(servers, serverName(a.s)), slices.Index(servers, serverName(b.s))), cmp.Compare(a.s.Name, b.s.Name))
	})
	m := Merged{Run: mergeMeta(inputs)}
	m.Run.Scenarios = make([]ScenarioResult, 0, len(entries))
	taken := map[string]string{}
	for _, e := range entries {
		to := filepath.Join(out, e.rel)
		if e.src != "" {
			if prev, ok := taken[to]; ok {
				return Merged{}, fmt.Errorf("merge reports: the evidence folders of %s (%s) and %s (%s) would both go to %s", prev, e.input, e.s.Name, serverName(e.s), to)
			}
			taken[to] = fmt.Sprintf("%s (%s)", e.s.Name, serverName(e.s))
			m.Copies = append(m.Copies, EvidenceCopy{From: e.src, To: to})
		}
		s := e.s
		s.Artifacts = rebaseArtifacts(s.Artifacts, e.dir, e.src, to, out)
		m.Run.Scenarios = append(m.Run.Scenarios, s)
	}
	return m, nil
}

// mergeEntries lists every scenario of inputs with its evidence folder,
// refusing a repeated input, an input in out itself, a scenario seen
// twice on one server and an evidence folder holding out.
func mergeEntries(inputs []MergeInput, out string) ([]mergeEntry, error) {
	var entries []mergeEntry
	seenDir := map[string]string{}
	seenCase := map[[2]string]string{}
	for _, in := range inputs {
		dir, err := filepath.Abs(in.Dir)
		if err != nil {
			return nil, fmt.Errorf("merge reports: %w", err)
		}
		if prev, ok := seenDir[dir]; ok {
			return nil, fmt.Errorf("merge reports: %s and %s are the same report", prev, in.Path)
		}
		seenDir[dir] = in.Path
		if dir == out {
			return nil, fmt.Errorf("merge reports: input %s is in the output folder itself", in.Path)
		}
		for _, s := range in.Run.Scenarios {
			key := [2]string{serverName(s), s.Name}
			if prev, ok := seenCase[key]; ok {
				if prev == in.Path {
					return nil, fmt.Errorf("merge reports: scenario %s on %s is twice in %s", s.Name, serverName(s), in.Path)
				}
				return nil, fmt.Errorf("merge reports: scenario %s on %s is in both %s and %s", s.Name, serverName(s), prev, in.Path)
			}
			seenCase[key] = in.Path
			src, rel, err := evidenceSource(dir, s)
			if err != nil {
				return nil, fmt.Errorf("merge reports: %s in %s: %w", s.Name, in.Path, err)
			}
			if src != "" && within(src, out) {
				return nil, fmt.Errorf("merge reports: the output folder lies inside %s's evidence folder %s", s.Name, src)
			}
			entries = append(entries, mergeEntry{s: s, input: in.Path, dir: dir, src: src, rel: rel})
		}
	}
	return entries, nil
}
