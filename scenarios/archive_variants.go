package scenarios

import (
	"slices"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// archiveBaselines are the snapshot restores that get a streaming-archive
// variant: the same fault and topology, a streaming archiver beside every
// shard's primary, and the engine restoring from it. The snapshot
// scenarios stay as they are: they are the baseline the archive is
// measured against.
func archiveBaselines() []string {
	return []string{"rdb-bitflip-restore", "corrupt-backup-skipped", "shard-lost-replace", "shard-lost-replace-cold", "cluster-crash-rollback"}
}

// archiveVariants returns "<name>-archive" for every archive baseline in
// list: loss bounded by t0 less the archive allowance instead of the
// snapshot's start.
func archiveVariants(list []Scenario) []Scenario {
	var out []Scenario
	for _, s := range list {
		if !slices.Contains(archiveBaselines(), s.Name) {
			continue
		}
		v := s
		v.Name = s.Name + "-archive"
		v.Description = s.Description + "; a streaming archiver follows every primary over the replication protocol and the engine restores from it (everything it received before the fault), not from the snapshot"
		v.Labels = append(slices.Clone(s.Labels), "archive")
		v.Archive = true
		v.Expect.Loss = session.LossAfterArchive
		out = append(out, v)
	}
	return out
}
