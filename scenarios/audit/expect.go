package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// The loss bounds report.json's expect.loss may name (reports.Expect).
const (
	// LossAfterFault: no lost write was acked before t0 −
	// ReplicationAllowance.
	LossAfterFault = "after-fault"
	// LossAfterBackup: no lost write was acked before the restored
	// backup started (its time in the catalog).
	LossAfterBackup = "after-backup"
	// LossAfterTarget: no lost write was acked before the point-in-time
	// target second (t0 − point_in_time_before, truncated to the second).
	LossAfterTarget = "after-target"
	// LossWithinBackupWindow: no more writes were lost than were acked
	// between the newest verifying backup's start and t0.
	LossWithinBackupWindow = "within-backup-window"
	// LossAfterArchive: no lost write was acked before t0 −
	// ArchiveAllowance (a restore from a streaming archive).
	LossAfterArchive = "after-archive"
	// LossAfterFsyncWindow: no lost write was acked before t0 −
	// FsyncWindow (appendfsync everysec).
	LossAfterFsyncWindow = "after-fsync-window"
)

// FsyncWindow is what appendfsync everysec may lose in a crash: a copy of
// scenarios/session's FsyncWindow.
const FsyncWindow = time.Second

// ArchiveAllowance is how long before t0 a write acked without WAIT may
// still have been on its way to a streaming archive: a copy of
// scenarios/session's ArchiveAllowance.
const ArchiveAllowance = 100 * time.Millisecond

// ReplicationAllowance is how long before t0 a write acked without WAIT
// may still have been in flight to a replica when the fault began: a copy
// of scenarios/session's ReplicationAllowance (the audit imports nothing
// of the live path), which the after-fault bound subtracts from t0.
const ReplicationAllowance = 50 * time.Millisecond

// fenceEpochOnly is the fence method that left the old primary to Redis's
// epochs alone (recovery.FenceEpochOnly): no fence at all.
const fenceEpochOnly = "epoch-only"

// The expectation rules (see Rule* in judge.go).
const (
	RuleNoAction  = "no action"
	RuleRecovered = "recovered"
	RuleStrategy  = "strategy"
	RuleIncident  = "incident"
	RuleVerified  = "engine verification"
	RuleLossBound = "loss bound"
	RuleFailover  = "failover"
	RuleFence     = "fence"
)

// JudgeExpect re-judges the expectations report.json records for a
// scenario from its recomputed figures and its Record: no engine action
// when none was expected, the strategy and incident of the first
// recovery, every recovery verified, the loss bound, a failover of the
// faulted shard, the failed primary fenced. The loss bound is not judged
// when a write acked after t_ready was lost: the run fails on that
// stronger rule already. A restored backup that does not verify, a failed
// step and a node not readmitted are not judged here.
func JudgeExpect(f Figures, rec Record, exp reports.Expect) []Reason {
	r := judgeEngine(rec, exp)
	if _, n := f.LostAfterReady(); n == 0 {
		r = append(r, judgeLossBound(f, rec, exp.Loss)...)
	}
	if exp.Failover {
		r = append(r, judgeFailover(rec)...)
	}
	if exp.Fenced {
		r = append(r, judgeFenced(rec)...)
	}
	return r
}

func judgeEngine(rec Record, exp reports.Expect) []Reason {
	var r []Reason
	if exp.NoAction {
		for _, rc := range rec.Recoveries {
			r = append(r, Reason{RuleNoAction, fmt.Sprintf("the engine acted (%s on %s: %s) where it must not", rc.Strategy, rc.Node, rc.Event)})
		}
		return r
	}
	if len(rec.Recoveries) == 0 {
		if exp.Strategy != "" || exp.Incident != "" {
			r = append(r, Reason{RuleRecovered, "the engine did not recover anything"})
		}
		return r
	}
	first := rec.Recoveries[0]
	if exp.Strategy != "" && !slices.Contains(strings.Split(exp.Strategy, "|"), first.Strategy) {
		r = append(r, Reason{RuleStrategy, fmt.Sprintf("strategy %q, want %q", first.Strategy, exp.Strategy)})
	}
	if exp.Incident != "" && first.Incident != exp.Incident {
		r = append(r, Reason{RuleIncident, fmt.Sprintf("incident %q, want %q", first.Incident, exp.Incident)})
	}
	for i, rc := range rec.Recoveries {
		if !rc.Verified {
			r = append(r, Reason{RuleVerified, fmt.Sprintf("recovery %d (%s) did not pass the engine's verification", i+1, rc.Strategy)})
		}
	}
	return r
}

// judgeLossBound checks the oldest lost write (or the number lost)
// against the bound, its instant taken from the evidence: t0, the
// catalog, the point-in-time target, the ledger.
func judgeLossBound(f Figures, rec Record, bound string) []Reason {
	if f.Lost == 0 || bound == "" {
		return nil
	}
	before := func(name string, x time.Time) []Reason {
		if len(f.LostWrites) == 0 || !f.LostWrites[0].Acked.Before(x) {
			return nil
		}
		w := f.LostWrites[0]
		return []Reason{{RuleLossBound, fmt.Sprintf("loss: a write acked at %s was lost (key %s), before %s (%s)",
			clockOf(w.Acked), w.Key, name, clockOf(x))}}
	}
	switch bound {
	case LossAfterFault:
		return before("the fault began (less the replication allowance)", f.T0.Add(-ReplicationAllowance))
	case LossAfterTarget:
		return before("the point-in-time target second", f.T0.Add(-rec.PointInTimeBefore).Truncate(time.Second))
	case LossAfterArchive:
		return before("the fault began (less the archive allowance)", f.T0.Add(-ArchiveAllowance))
	case LossAfterFsyncWindow:
		return before("the fault began (less the 1 s appendfsync everysec window)", f.T0.Add(-FsyncWindow))
	case LossAfterBackup:
		b, ok := rec.restored()
		if !ok || b.Time.IsZero() {
			return []Reason{{RuleLossBound, "loss: writes were lost but the run names no restored backup in its catalog"}}
		}
		if b.Kind == kindArchivePoint {
			// A write the primary acked reaches the archive up to the
			// allowance later: the point's time is the archive's clock.
			return before("the restored archive point "+b.ID+" (less the archive allowance)", b.Time.Add(-ArchiveAllowance))
		}
		return before("the restored backup "+b.ID+" started", b.Time)
	case LossWithinBackupWindow:
		var newest time.Time
		for _, b := range rec.Catalog {
			if b.Verified && b.Time.After(newest) {
				newest = b.Time
			}
		}
		if newest.IsZero() {
			return []Reason{{RuleLossBound, "loss: writes were lost and no backup verifies to bound them"}}
		}
		window := 0
		for _, t := range rec.AckedAt {
			if !t.Before(newest) && t.Before(f.T0) {
				window++
			}
		}
		if f.Lost > window {
			return []Reason{{RuleLossBound, fmt.Sprintf("loss: %d acked writes lost, more than the %d acked between the newest verified backup (%s) and the fault",
				f.Lost, window, clockOf(newest))}}
		}
		return nil
	}
	return []Reason{{RuleLossBound, fmt.Sprintf("loss: report.json names the loss bound %q, which the audit does not know", bound)}}
}

// judgeFailover fails a run whose faulted shard kept its primary.
func judgeFailover(rec Record) []Reason {
	k := rec.faultedShard()
	if k >= len(rec.PrimariesBefore) || k >= len(rec.PrimariesAfter) {
		return []Reason{{RuleFailover, fmt.Sprintf("failover: cannot tell shard %d's primary before and after the run", k)}}
	}
	if rec.PrimariesBefore[k] == rec.PrimariesAfter[k] {
		return []Reason{{RuleFailover, fmt.Sprintf("failover: shard %d still has its old primary %s: no failover happened", k, rec.PrimariesBefore[k])}}
	}
	return nil
}

// judgeFenced fails a run whose first recovery did not fence the failed
// primary with a method that stops its writes, or after which the fenced
// node neither came back as a replica nor stayed out as a retired node.
func judgeFenced(rec Record) []Reason {
	if len(rec.Recoveries) == 0 {
		return []Reason{{RuleFence, "fence: the engine did not recover anything, so nothing was fenced"}}
	}
	node := rec.Recoveries[0].Node
	for _, fc := range rec.Fences {
		if fc.Node != node {
			continue
		}
		switch {
		case fc.Method == fenceEpochOnly:
			return []Reason{{RuleFence, fmt.Sprintf("fence: %s was left to Redis's epochs (%s)", node, fc.Detail)}}
		case fc.Returned.IsZero() && !strings.HasPrefix(fc.Outcome, "stays out"):
			return []Reason{{RuleFence, fmt.Sprintf("fence: %s (%s) did not come back as a replica: %q", node, fc.Method, fc.Outcome)}}
		}
		return nil
	}
	return []Reason{{RuleFence, fmt.Sprintf("fence: the failed primary %s was not fenced", node)}}
}
