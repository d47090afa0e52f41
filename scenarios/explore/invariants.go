package explore

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// notReady is how the session's recover step says the shards did not all
// take writes again within the RTO timeout.
const notReady = "not ready within"

// Invariant names.
const (
	InvLostWrite   = "lost-acked-write"
	InvSplitBrain  = "split-brain"
	InvConvergence = "convergence"
	InvBackup      = "backup-verifies"
	// InvCounter: no counter reads below an acked INCR's reply.
	InvCounter = "counter-backwards"
	// InvExpired: no key written with a TTL is read back after it expired.
	InvExpired = "expired-key-returned"
	// InvLinearizable: every shared key's history is linearizable, except
	// for the lost writes (and the stale reads and counters that went back
	// with them) whose loss the schedule tolerates.
	InvLinearizable = "linearizable-per-key"
)

// invariantRank orders invariants for picking the one a shrink keeps.
func invariantRank(name string) int {
	switch name {
	case InvLostWrite:
		return 0
	case InvSplitBrain:
		return 1
	case InvCounter:
		return 2
	case InvExpired:
		return 3
	case InvLinearizable:
		return 4
	case InvBackup:
		return 5
	}
	return 6
}

// Break is one invariant the run broke, with its evidence.
type Break struct {
	Invariant string    `json:"invariant"`
	At        time.Time `json:"at,omitzero"`
	Detail    string    `json:"detail"`
	// Event is the schedule event the break is blamed on (the fault active
	// when it happened), empty when none is.
	Event string `json:"event,omitempty"`
	// Evidence, by invariant: the lost keys; the watcher's violation; the
	// step record of a recover or verify step that did not converge; the
	// catalog entry of a restored backup that does not verify.
	LostKeys  []workload.LostKey `json:"lost_keys,omitempty"`
	Lost      int                `json:"lost,omitempty"`
	Violation *session.Violation `json:"violation,omitempty"`
	// Count is how many times the watcher confirmed the same violation.
	Count int                 `json:"count,omitempty"`
	Step  *session.StepRecord `json:"step,omitempty"`
	// Anomaly is the first counter or expiry finding of the final read.
	Anomaly *workload.Anomaly `json:"anomaly,omitempty"`
	// History is the first history anomaly not tolerated.
	History *history.Anomaly      `json:"history,omitempty"`
	Backup  *session.CatalogEntry `json:"backup,omitempty"`
}

// FaultWindow is one injected event's onset and heal.
type FaultWindow struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

// windows pairs the run's fault records with the schedule's event ids (the
// records are in injection order, as are the fault steps).
func windows(ev session.Evidence) []FaultWindow {
	var out []FaultWindow
	k := 0
	for _, st := range ev.Steps {
		if st.Action != "fault" || k >= len(ev.Faults) {
			continue
		}
		r := ev.Faults[k]
		out = append(out, FaultWindow{ID: st.ID, Start: r.Start, End: r.End})
		k++
	}
	return out
}

// blame names the event active at t: the latest one whose onset (less
// slack, for writes acked just before a kill) is not after t.
func blame(ws []FaultWindow, t time.Time, slack time.Duration) string {
	id := ""
	var best time.Time
	for _, w := range ws {
		if !w.Start.Add(-slack).After(t) && !w.Start.Before(best) {
			id, best = w.ID, w.Start
		}
	}
	if id == "" && len(ws) > 0 {
		id = ws[0].ID
	}
	return id
}

// Check judges a run's evidence against the explore invariants. It
// returns an error when the run proves nothing (it could not be carried
// out, was interrupted, or had too little traffic before the first fault).
func Check(ev session.Evidence, s Schedule) ([]Break, error) {
	switch {
	case ev.Interrupted:
		return nil, errors.New("check run: interrupted")
	case ev.Error != "":
		return nil, fmt.Errorf("check run: the run could not be carried out: %s", ev.Error)
	case ev.AckedBeforeFault < workload.DefaultMinAcked:
		return nil, fmt.Errorf("check run: only %d acked writes before the first fault (< %d)", ev.AckedBeforeFault, workload.DefaultMinAcked)
	}
	ws := windows(ev)
	var out []Break
	out = append(out, checkLoss(ev, s, ws)...)
	out = append(out, checkSplitBrain(ev, ws)...)
	out = append(out, checkConvergence(ev, s, ws)...)
	out = append(out, checkAnomalies(ev, s, ws)...)
	out = append(out, checkHistory(ev, s, ws)...)
	out = append(out, checkBackups(ev)...)
	sort.SliceStable(out, func(i, j int) bool { return invariantRank(out[i].Invariant) < invariantRank(out[j].Invariant) })
	return out, nil
}

// checkLoss: no acked write is lost, except writes acked after a restored
// backup's point, or within AllowLoss of a fault's onset.
func checkLoss(ev session.Evidence, s Schedule, ws []FaultWindow) []Break {
	c := ev.FinalRead
	if !ev.FinalReadDone || c.Lost == 0 {
		return nil
	}
	tolerated := lossTolerance(ev, s, ws)
	var bad []workload.LostKey
	for _, k := range c.LostKeys {
		if !tolerated(k.Complete) {
			bad = append(bad, k)
		}
	}
	oldest := c.OldestLost
	if len(bad) == 0 && tolerated(c.OldestLost) && tolerated(c.NewestLost) {
		return nil
	}
	if len(bad) > 0 {
		oldest = bad[0].Complete
	}
	why := fmt.Sprintf("%d acked write(s) lost; the oldest not tolerated was acked at %s", c.Lost, oldest.Format("15:04:05.000"))
	if !ev.T0.IsZero() {
		why += fmt.Sprintf(" (t0%+dms)", oldest.Sub(ev.T0).Milliseconds())
	}
	if restored := restoredPoint(ev); !restored.IsZero() {
		why += fmt.Sprintf("; the restored backup's point is %s", restored.Format("15:04:05.000"))
	}
	return []Break{{Invariant: InvLostWrite, At: oldest, Detail: why, Event: blame(ws, oldest, 2*time.Second), LostKeys: bad, Lost: c.Lost}}
}

// restoredPoint is the point of the oldest backup a recovery restored
// (zero when none was).
func restoredPoint(ev session.Evidence) time.Time {
	var restored time.Time
	for _, rep := range ev.Recoveries {
		if rep.BackupID == "" {
			continue
		}
		t := rep.BackupTime
		for _, e := range ev.Catalog {
			if e.ID == rep.BackupID {
				t = e.Time
			}
		}
		if !t.IsZero() && (restored.IsZero() || t.Before(restored)) {
			restored = t
		}
	}
	return restored
}

// lossTolerance says whether a write acked at t may be lost: after a
// restored backup's point, or within AllowLoss of a fault's onset.
func lossTolerance(ev session.Evidence, s Schedule, ws []FaultWindow) func(time.Time) bool {
	restored := restoredPoint(ev)
	return func(t time.Time) bool {
		if !restored.IsZero() && !t.Before(restored) {
			return true
		}
		for _, w := range ws {
			if d := t.Sub(w.Start).Abs(); s.AllowLoss > 0 && d <= s.AllowLoss.D() {
				return true
			}
		}
		return false
	}
}

// checkAnomalies: no counter reads below an acked increment (unless that
// increment's loss is tolerated, as for any write), and no key written
// with a TTL comes back after it expired (never tolerated).
func checkAnomalies(ev session.Evidence, s Schedule, ws []FaultWindow) []Break {
	c := ev.FinalRead
	if !ev.FinalReadDone || c.CounterBackwards+c.ExpiredReturned == 0 {
		return nil
	}
	tolerated := lossTolerance(ev, s, ws)
	first := map[string]*Break{}
	var order []string
	for _, a := range c.Anomalies {
		inv := InvExpired
		if a.Kind == workload.AnomalyCounterBackwards {
			if tolerated(a.At) {
				continue
			}
			inv = InvCounter
		}
		b, ok := first[inv]
		if !ok {
			a := a
			b = &Break{Invariant: inv, At: a.At, Detail: a.Key + ": " + a.Detail, Event: blame(ws, a.At, 2*time.Second), Anomaly: &a}
			first[inv] = b
			order = append(order, inv)
		}
		b.Count++
	}
	var out []Break
	for _, inv := range order {
		b := *first[inv]
		total := c.ExpiredReturned
		if inv == InvCounter {
			total = c.CounterBackwards
		}
		b.Count = total // the anomaly list is capped; the count is not
		b.Detail = fmt.Sprintf("%d in all, the first %s", total, b.Detail)
		out = append(out, b)
	}
	return out
}

// checkSplitBrain reuses the session watcher's confirmed violations: two
// write-accepting primaries for one slot, or a fenced node taking a write.
// Violations of one kind, slot and nodes (the watcher confirms on every
// poll) are one break, with the first as evidence and how many there were.
func checkSplitBrain(ev session.Evidence, ws []FaultWindow) []Break {
	var out []Break
	seen := map[string]int{}
	for _, v := range ev.Watch.Violations {
		key := fmt.Sprintf("%s/%d/%s", v.Kind, v.Slot, strings.Join(v.Nodes, ","))
		if i, ok := seen[key]; ok {
			out[i].Count++
			continue
		}
		seen[key] = len(out)
		v := v
		out = append(out, Break{Invariant: InvSplitBrain, At: v.At, Detail: fmt.Sprintf("%s on slot %d: %s", v.Kind, v.Slot, v.Detail),
			Event: blame(ws, v.At, 0), Violation: &v, Count: 1})
	}
	for i := range out {
		if out[i].Count > 1 {
			out[i].Detail += fmt.Sprintf(" (confirmed %d times)", out[i].Count)
		}
	}
	return out
}

// checkConvergence: every burst's recover step gets every shard taking
// writes again, and its verify step passes within the bound after the
// burst's last heal; the final read needs a ready deployment too.
func checkConvergence(ev session.Evidence, s Schedule, ws []FaultWindow) []Break {
	var out []Break
	healed := map[string]time.Time{}
	for _, w := range ws {
		healed[w.ID] = w.End
	}
	bursts := s.Bursts()
	for _, st := range ev.Steps {
		st := st
		switch {
		case strings.HasPrefix(st.ID, recoverPrefix) && st.Error != "":
			// The engine seeing nothing to recover (recovery.ErrNoFailure),
			// or failing while Redis served again, is not a break; shards
			// that never took writes again are.
			if !strings.Contains(st.Error, notReady) {
				continue
			}
			out = append(out, Break{Invariant: InvConvergence, At: st.End, Detail: "recover step " + st.ID + ": " + st.Error, Event: blame(ws, st.Start, 0), Step: &st})
		case strings.HasPrefix(st.ID, convergePrefix):
			var k int
			if _, err := fmt.Sscanf(strings.TrimPrefix(st.ID, convergePrefix), "%d", &k); err != nil || k < 1 || k > len(bursts) {
				continue
			}
			var last time.Time
			var lastID string
			for _, i := range bursts[k-1] {
				id := s.Events[i].ID
				if t := healed[id]; t.After(last) {
					last, lastID = t, id
				}
			}
			if st.Error != "" {
				out = append(out, Break{Invariant: InvConvergence, At: st.End, Detail: "not converged after burst " + fmt.Sprint(k) + ": " + st.Error, Event: lastID, Step: &st})
				continue
			}
			if !last.IsZero() && st.End.Sub(last) > s.ConvergeBound.D() {
				out = append(out, Break{Invariant: InvConvergence, At: st.End, Event: lastID, Step: &st,
					Detail: fmt.Sprintf("burst %d converged %s after its last heal (bound %s)", k, st.End.Sub(last).Round(time.Millisecond), s.ConvergeBound.D())})
			}
		}
	}
	if ev.NotReadyAfterHeal != "" {
		out = append(out, Break{Invariant: InvConvergence, Detail: "not ready after the final heal: " + ev.NotReadyAfterHeal})
	} else if !ev.FinalReadDone {
		out = append(out, Break{Invariant: InvConvergence, Detail: "the final read did not complete: " + ev.FinalReadError})
	}
	return out
}

// checkBackups: every backup a recovery restored is in the catalog and
// verifies.
func checkBackups(ev session.Evidence) []Break {
	var out []Break
	for _, rep := range ev.Recoveries {
		if rep.BackupID == "" {
			continue
		}
		var entry *session.CatalogEntry
		for i := range ev.Catalog {
			if ev.Catalog[i].ID == rep.BackupID {
				e := ev.Catalog[i]
				entry = &e
			}
		}
		switch {
		case entry == nil:
			out = append(out, Break{Invariant: InvBackup, At: rep.DetectedAt, Detail: fmt.Sprintf("recovery %s restored %s, which is not in the catalog", rep.Strategy, rep.BackupID)})
		case !entry.Verified:
			out = append(out, Break{Invariant: InvBackup, At: rep.DetectedAt, Backup: entry,
				Detail: fmt.Sprintf("recovery %s restored %s, which does not verify: %s", rep.Strategy, rep.BackupID, strings.Join(entry.Problems, "; "))})
		}
	}
	return out
}
