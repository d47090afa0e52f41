package reports

import (
	"maps"
	"slices"
)

// artifactList flattens artifacts into sorted (label, path) pairs.
func artifactList(a Artifacts) [][2]string {
	var out [][2]string
	if a.Ledger != "" {
		out = append(out, [2]string{"ledger", a.Ledger})
	}
	if a.Events != "" {
		out = append(out, [2]string{"events", a.Events})
	}
	for _, k := range slices.Sorted(maps.Keys(a.NodeLogs)) {
		out = append(out, [2]string{"log " + k, a.NodeLogs[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(a.DataDirs)) {
		out = append(out, [2]string{"data " + k, a.DataDirs[k]})
	}
	return out
}
