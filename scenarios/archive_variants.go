package scenarios

import (
	"slices"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// archiveBaselines are the snapshot restores that get a streaming-archive
// variant: the same fault and topology, a streaming archiver beside every
// shard's primary, and the engine restoring from it. The snapshot
// scenarios stay as they are: they are the baseline the archive is
// measured against.
func archiveBaselines() []string {
	return []string{"rdb-bitflip-restore", "corrupt-backup-skipped", "shard-lost-replace", "shard-lost-replace-cold", "cluster-crash-rollback", "empty-restart-guard-late-3s"}
}

// archiveVariants returns "<name>-archive" for every archive baseline in
// list: loss bounded by t0 less the archive allowance instead of the
// snapshot's start.
// archiveClusterRollbackRTO bounds a whole-cluster rollback from the
// archives, whose six machine boots, execs and copies are Docker's: it
// was raised to 18 s on 2026-12-07 evening (six boots 4.8 s on a slow
// Docker), lowered to 10 s that night (4.7-4.8 s quiet on a fast one) and
// is 15 s since the same VM's Docker was slow again later that night (six
// container starts 2.66 s against 1.18 s): quiet 10.4-11.4 s, 14.8 s with
// a busy loop per core, 2 cores.
const archiveClusterRollbackRTO = 15 * time.Second

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
		if v.Strategy == "cluster-rollback" {
			v.Expect.RTOMax = archiveClusterRollbackRTO
		}
		out = append(out, v)
		if s.Name == "rdb-bitflip-restore" {
			out = append(out, archiveWaitVariant(v), archiveCorruptVariant(v))
		}
	}
	return out
}

// archiveWaitVariant is v with every write WAITing for one replica on a
// cluster with none: the archive is the only replica, so an acked write
// is on its disk and none may be lost.
func archiveWaitVariant(v Scenario) Scenario {
	v.Name = "rdb-bitflip-restore-archive-wait"
	v.Description = "as rdb-bitflip-restore-archive, with every write WAITing for one replica (WAIT 1 500) on a cluster without replicas: the streaming archive is the only replica, and ACKs only what is on its disk, so no acked write may be lost"
	v.Labels = append(slices.Clone(v.Labels), "wait")
	v.Workload = waitOneReplica()
	v.Expect.AckedLostMax, v.Expect.Loss = 0, ""
	v.Expect.Tolerate = nil
	return v
}

// archiveCorruptVariant is v with a byte flipped in the newest sealed
// segment of shard 0's archive before the fault: the engine restores to
// the last good point before it, names the segment, and loses only what
// was acked from there on.
func archiveCorruptVariant(v Scenario) Scenario {
	v.Name = "archive-segment-corrupt"
	v.Description = "as rdb-bitflip-restore-archive, but a byte of the newest sealed segment of shard 0's archive is flipped on disk before the fault: its SHA-256 no longer matches, so the engine restores to the last good point before it, names the segment in the restored point, and loses only writes acked after that point"
	v.Labels = append(slices.Clone(v.Labels), "catalog")
	v.CorruptArchiveSegment = true
	v.Expect.Loss = session.LossAfterBackup
	return v
}

// archivePointInTime is the whole-cluster point-in-time restore from the
// streaming archives alone: FLUSHALL on every primary (the replicas sync
// the empty set, so no promotion holds the data), then shard 0's primary
// loses its disk and machine; the engine rolls every shard back to the fault less one
// second, each from its own archive.
func archivePointInTime() Scenario {
	return Scenario{
		Name:        "archive-pitr-cluster-rollback",
		Description: "FLUSHALL on every primary of a 3x1 cluster; once the replicas synced the empty set, shard 0's primary loses its data dir and its machine: the engine rolls the whole cluster back to one instant, the fault less 1 s, from the streaming archives alone (each shard's archive materialized to that millisecond, scratch-loaded and installed); only writes after the target are lost",
		Labels:      []string{"recovery", "operator-error", "pitr", "rollback", "archive"},
		Topology:    durableCluster(5 * time.Second), Workload: workload.DefaultProfile(),
		Fault: "flushall-machine-loss", FaultParams: fault.Params{Target: fault.Target{Role: fault.RolePrimaries}}, Recovery: Engine,
		Strategy: "cluster-rollback", PointInTimeBefore: time.Second, Archive: true,
		ProbeDetectable: true,
		Expect:          Expect{AckedLostMax: -1, Loss: session.LossAfterTarget, RTOMax: archiveClusterRollbackRTO, Strategy: "cluster-rollback", Incident: "accidental-flush"},
	}
}
