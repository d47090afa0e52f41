package session

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/reports"
)

// Judge is the one checker: it turns a run's evidence and expectations
// into its verdict. The Ginkgo specs, `redisdrill drill`, `plan run` and
// the bench all take the verdict from here, so none can pass a run another
// fails. Order: interrupted; error (the drill could not be carried out, or
// the independent audit disagrees with the figures); invalid (too little
// traffic before the fault, no final read); otherwise every broken limit
// or expectation is a reason to fail.
func Judge(ev Evidence, exp Expect) reports.Verdict {
	if ev.Interrupted {
		return reports.Verdict{Status: reports.StatusInterrupted, Reasons: []string{"interrupted before the drill finished"}}
	}
	if ev.Error != "" {
		return reports.Verdict{Status: reports.StatusError, Reasons: []string{"error: " + ev.Error}}
	}
	if len(ev.Audit) > 0 {
		return reports.Verdict{Status: reports.StatusError, Reasons: prefixed("audit: the evidence files disagree: ", ev.Audit)}
	}
	th := ev.Thresholds
	minAcked := int64(workload.DefaultMinAcked)
	if th.MinAckedBeforeFault != nil && *th.MinAckedBeforeFault >= 1 {
		minAcked = *th.MinAckedBeforeFault
	}
	if int64(ev.AckedBeforeFault) < minAcked {
		return invalid(fmt.Sprintf("invalid: only %d acked writes before the fault (< %d)", ev.AckedBeforeFault, minAcked))
	}
	if ev.NotReadyAfterHeal != "" {
		return invalid("invalid: the deployment never became ready after heal, so no final read: " + ev.NotReadyAfterHeal)
	}
	if !ev.FinalReadDone {
		return invalid("invalid: the final read did not complete: " + ev.FinalReadError)
	}
	var r []string
	r = append(r, judgeLimits(ev, th)...)
	r = append(r, judgeClock(ev)...)
	r = append(r, judgeSteps(ev)...)
	r = append(r, judgeEngine(ev, exp)...)
	r = append(r, judgeLoss(ev, exp)...)
	r = append(r, judgeBackup(ev)...)
	r = append(r, judgeArchiveCorruption(ev)...)
	r = append(r, judgeWriteSafety(ev)...)
	r = append(r, judgeHistory(ev, exp)...)
	if exp.Fenced {
		r = append(r, judgeFenced(ev)...)
	}
	if exp.Failover {
		r = append(r, judgeFailover(ev)...)
	}
	if len(r) > 0 {
		return reports.Verdict{Status: reports.StatusFail, Reasons: r}
	}
	return reports.Verdict{Status: reports.StatusPass}
}

func invalid(reason string) reports.Verdict {
	return reports.Verdict{Status: reports.StatusInvalid, Reasons: []string{reason}}
}

func prefixed(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p + s
	}
	return out
}

func judgeLimits(ev Evidence, th reports.Thresholds) []string {
	var r []string
	if !ev.Ready {
		r = append(r, "never ready: not every shard accepted writes again within the RTO timeout")
	} else if th.RTOMax != nil && ev.RTO > *th.RTOMax {
		r = append(r, fmt.Sprintf("rto %s > rto_max %s", ev.RTO, *th.RTOMax))
	}
	if th.DetectMax != nil && ev.Detect > *th.DetectMax {
		r = append(r, fmt.Sprintf("detect %s > detect_max %s", ev.Detect, *th.DetectMax))
	}
	if th.AckedLostMax != nil && int64(ev.FinalRead.Lost) > *th.AckedLostMax {
		r = append(r, fmt.Sprintf("acked_lost %d > acked_lost_max %d", ev.FinalRead.Lost, *th.AckedLostMax))
	}
	return r
}

// judgeClock fails a run whose RTO does not cover what clients saw: the
// outage from the first failed write or probe to t_ready may exceed the RTO
// by at most ClockTolerance, or t0 was stamped late.
func judgeClock(ev Evidence) []string {
	if !ev.Ready || ev.ClientOutage == 0 {
		return nil
	}
	if gap := ev.ClientOutage.D() - ev.RTO.D(); gap > ClockTolerance {
		why := fmt.Sprintf("clock: the client-visible outage %s (first failure at t0%+dms) exceeds the RTO %s by %s > %s",
			ev.ClientOutage, ev.FirstFailure.Sub(ev.T0).Milliseconds(), ev.RTO, reports.Millis(gap), reports.Millis(ClockTolerance))
		if ev.FailedBeforeFault > 0 {
			why += fmt.Sprintf(": %d writes failed before t0 — the run was disturbed before the fault, or t0 was stamped late", ev.FailedBeforeFault)
		}
		return []string{why}
	}
	return nil
}

func judgeSteps(ev Evidence) []string {
	var r []string
	for _, s := range ev.Steps {
		if s.Error != "" {
			r = append(r, fmt.Sprintf("step %d %s %s failed: %s", s.Index+1, s.Action, s.ID, s.Error))
		}
	}
	return r
}

func judgeEngine(ev Evidence, exp Expect) []string {
	var r []string
	if exp.NoAction {
		for _, rep := range ev.Recoveries {
			r = append(r, fmt.Sprintf("the engine acted (%s on %s: %s) where it must not", rep.Strategy, rep.Node, rep.Event))
		}
		return r
	}
	if len(ev.Recoveries) == 0 {
		if exp.Strategy != "" || exp.Incident != "" {
			r = append(r, "the engine did not recover anything")
		}
		return r
	}
	rep := ev.Recoveries[0]
	if exp.Strategy != "" && !slices.Contains(strings.Split(exp.Strategy, "|"), rep.Strategy) {
		r = append(r, fmt.Sprintf("strategy %q, want %q", rep.Strategy, exp.Strategy))
	}
	if exp.Incident != "" && rep.Incident != exp.Incident {
		r = append(r, fmt.Sprintf("incident %q, want %q", rep.Incident, exp.Incident))
	}
	for i, rep := range ev.Recoveries {
		if !rep.Verified {
			r = append(r, fmt.Sprintf("recovery %d (%s) did not pass the engine's verification", i+1, rep.Strategy))
		}
	}
	return r
}

// judgeLoss checks the loss bound the plan names, deriving its instant
// from the evidence (the fault record, the catalog), not from what the
// engine claims.
func judgeLoss(ev Evidence, exp Expect) []string {
	c := ev.FinalRead
	if c.Lost == 0 {
		return nil
	}
	if ev.Ready && !c.NewestLost.Before(ev.TReady) {
		// Whatever the scenario tolerates, it tolerates nothing once the
		// deployment is back: a write acked after t_ready must stay.
		key := ""
		for _, k := range c.LostKeys {
			if k.Complete.Equal(c.NewestLost) {
				key = " (key " + k.Key + ")"
			}
		}
		return []string{fmt.Sprintf("loss: a write acked at %s, after t_ready %s, was lost%s",
			c.NewestLost.Format("15:04:05.000"), ev.TReady.Format("15:04:05.000"), key)}
	}
	if exp.Loss == "" {
		return nil
	}
	bound := func(name string, x time.Time) []string {
		if c.OldestLost.Before(x) {
			return []string{fmt.Sprintf("loss: a write acked at %s was lost, before %s (%s)",
				c.OldestLost.Format("15:04:05.000"), name, x.Format("15:04:05.000"))}
		}
		return nil
	}
	switch exp.Loss {
	case LossAfterBackup:
		e, ok := ev.restored()
		if !ok || e.Time.IsZero() {
			return []string{"loss: writes were lost but the run names no restored backup in its catalog"}
		}
		if e.Kind == backup.KindArchivePoint {
			// A write the primary acked reaches the archive up to the
			// allowance later: the point's time is the archive's clock.
			return bound("the restored archive point "+e.ID+" (less the archive allowance)", e.Time.Add(-ArchiveAllowance))
		}
		return bound("the restored backup "+e.ID+" started", e.Time)
	case LossAfterFault:
		return bound("the fault began (less the replication allowance)", ev.T0.Add(-ReplicationAllowance))
	case LossAfterTarget:
		return bound("the point-in-time target second", ev.T0.Add(-ev.PointInTimeBefore).Truncate(time.Second))
	case LossAfterArchive:
		return bound("the fault began (less the archive allowance)", ev.T0.Add(-ArchiveAllowance))
	case LossAfterFsyncWindow:
		return bound("the fault began (less the 1 s appendfsync everysec window)", ev.T0.Add(-FsyncWindow))
	case LossWithinBackupWindow:
		newest := time.Time{}
		for _, e := range ev.Catalog {
			if e.Verified && e.Time.After(newest) {
				newest = e.Time
			}
		}
		if newest.IsZero() {
			return []string{"loss: writes were lost and no backup verifies to bound them"}
		}
		after := 0
		if ev.Ledger != nil {
			for _, op := range ev.Ledger.Ops() {
				if op.Outcome == workload.OK && !op.Complete.Before(newest) && op.Complete.Before(ev.T0) {
					after++
				}
			}
		}
		if c.Lost > after {
			return []string{fmt.Sprintf("loss: %d acked writes lost, more than the %d acked between the newest verified backup and the fault (a restore would keep more)", c.Lost, after)}
		}
	}
	return nil
}

// judgeBackup fails a restore from a backup that does not verify, or from
// an older backup than the newest one of its kind and scope that does.
func judgeBackup(ev Evidence) []string {
	e, ok := ev.restored()
	if !ok {
		return nil
	}
	if e.Kind == "" {
		return []string{fmt.Sprintf("backup: the restored backup %s is not in the run's catalog", e.ID)}
	}
	var r []string
	if !e.Verified {
		r = append(r, fmt.Sprintf("backup: restored %s, which does not verify", e.ID))
	}
	if e.ID == ev.CorruptedBackup {
		r = append(r, fmt.Sprintf("backup: restored %s, the backup corrupted on purpose", e.ID))
	}
	if n, ok := ev.newestVerified(e); ok && n.Time.After(e.Time) {
		r = append(r, fmt.Sprintf("backup: restored %s (%s) although the newer %s (%s) verifies",
			e.ID, e.Time.Format("15:04:05.000"), n.ID, n.Time.Format("15:04:05.000")))
	}
	return r
}

// judgeFailover fails a run in which the faulted shard kept its primary.
func judgeFailover(ev Evidence) []string {
	k := 0
	if len(ev.Faults) > 0 && ev.Faults[0].Params != nil {
		if t := ev.Faults[0].Params.Target; t.Role == fault.RoleShardPrimary || t.Role == fault.RoleShard {
			k = t.Shard
		}
	}
	if k >= len(ev.PrimariesBefore) || k >= len(ev.PrimariesAfter) {
		return []string{fmt.Sprintf("failover: cannot tell shard %d's primary before and after the run", k)}
	}
	if ev.PrimariesBefore[k] == ev.PrimariesAfter[k] {
		return []string{fmt.Sprintf("failover: shard %d still has its old primary %s: no failover happened", k, ev.PrimariesBefore[k])}
	}
	return nil
}

// judgeWriteSafety fails a run in which the watcher confirmed a slot with
// two write-accepting primaries or a fenced node taking a write, or in
// which a fenced node could not be readmitted safely.
func judgeWriteSafety(ev Evidence) []string {
	var r []string
	for _, v := range ev.Watch.Violations {
		r = append(r, fmt.Sprintf("%s at %s: %s", v.Kind, v.At.Format("15:04:05.000"), v.Detail))
	}
	for _, e := range ev.Readmit {
		r = append(r, "fence: "+e)
	}
	return r
}

// judgeFenced fails a run whose first recovery did not fence the failed
// primary with a method that stops its writes, or after which the fenced
// node neither came back as a replica nor stayed out as a retired node.
func judgeFenced(ev Evidence) []string {
	if len(ev.Recoveries) == 0 {
		return []string{"fence: the engine did not recover anything, so nothing was fenced"}
	}
	node := ev.Recoveries[0].Node
	for _, f := range ev.Fences {
		if f.Node != node {
			continue
		}
		if f.Method == recovery.FenceEpochOnly {
			return []string{fmt.Sprintf("fence: %s was left to Redis's epochs (%s)", node, f.Detail)}
		}
		if f.Returned.IsZero() && !strings.HasPrefix(f.Outcome, "stays out") {
			return []string{fmt.Sprintf("fence: %s (%s) did not come back as a replica: %q", node, f.Method, f.Outcome)}
		}
		return nil
	}
	return []string{fmt.Sprintf("fence: the failed primary %s was not fenced", node)}
}
