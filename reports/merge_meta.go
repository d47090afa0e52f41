package reports

import (
	"fmt"
	"slices"
	"strings"
)

// BuildOf is the build a report's tool version (Run.Version, see
// BuildInfo.String) names: its "rev <commit>[-dirty]" part, or the whole
// version when it records no revision (a test binary, an older report).
// Two reports of one commit have the same BuildOf.
func BuildOf(version string) string {
	f := strings.Fields(version)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "rev" {
			return f[i+1]
		}
	}
	return version
}

// checkBuilds refuses inputs of different builds (BuildOf) unless
// opts.AllowMixed.
func checkBuilds(inputs []MergeInput, opts MergeOptions) error {
	if opts.AllowMixed {
		return nil
	}
	first := BuildOf(inputs[0].Run.Version)
	for _, in := range inputs[1:] {
		if b := BuildOf(in.Run.Version); b != first {
			return fmt.Errorf("merge reports: %s and %s come from different builds (%q, %q); --allow-mixed merges them anyway", inputs[0].Path, in.Path, first, b)
		}
	}
	return nil
}

// mergeMeta is the metadata of a merged run: the earliest start and the
// latest end of the inputs, their distinct tool versions, hosts and Go
// versions joined (" + " for versions, ", " else) in input order, and
// Args "report merge" followed by the inputs' paths.
func mergeMeta(inputs []MergeInput) Run {
	run := Run{Schema: SchemaVersion, Args: []string{"report", "merge"}}
	var versions, hosts, gos []string
	for _, in := range inputs {
		r := in.Run
		if !r.Start.IsZero() && (run.Start.IsZero() || r.Start.Before(run.Start)) {
			run.Start = r.Start
		}
		if r.End.After(run.End) {
			run.End = r.End
		}
		versions = appendNew(versions, r.Version)
		hosts = appendNew(hosts, r.Host)
		gos = appendNew(gos, r.GoVersion)
		run.Args = append(run.Args, in.Path)
	}
	run.Version = strings.Join(versions, " + ")
	run.Host = strings.Join(hosts, ", ")
	run.GoVersion = strings.Join(gos, ", ")
	run.Start, run.End = run.Start.UTC(), run.End.UTC()
	if run.End.Before(run.Start) {
		run.End = run.Start
	}
	return run
}

// appendNew appends v to list unless it is empty or already there.
func appendNew(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
