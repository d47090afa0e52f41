package session

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
)

// DirHistory is the folder, inside a run's evidence folder, that holds
// porcupine's visualisation of every key whose history is not
// linearizable.
const DirHistory = "history"

// checkHistory reads every shared key once more (the history's final
// reads) and has the history checker judge the clients' history. A final
// read that fails leaves the history unchecked (reported, not judged).
func (s *session) checkHistory(ctx context.Context) error {
	w := s.traffic.Workload
	if s.plan.Workload.History <= 0 || w == nil {
		return nil
	}
	if err := w.ReadHistoryFinal(ctx, s.traffic.Client); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.logger.Warn("history final read failed: the history stays unchecked", "err", err)
		s.ev.History = w.History()
		return nil
	}
	s.ev.History = w.History()
	res, err := history.Check(ctx, s.ev.History, history.Options{VisualizeDir: filepath.Join(s.dir, DirHistory)})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("check history: %w", err)
	}
	s.ev.HistoryCheck = &res
	s.logger.Info("history checked", "ops", res.CheckedOps, "keys", res.Keys, "linearizable", res.Linearizable,
		"anomalies", res.Counts, "took", res.Elapsed.Round(time.Millisecond))
	return nil
}

// judgeHistory fails a run whose clients saw an anomaly the scenario does
// not tolerate, or a tolerated one that involves a write acknowledged at
// or after t_ready. A check that ran out of time is reported as unknown,
// never as linearizable, and does not fail the run by itself.
func judgeHistory(ev Evidence, exp Expect) []string {
	h := ev.HistoryCheck
	if h == nil {
		return nil
	}
	byRef := IndexHistory(ev.History)
	bad := map[string][]history.Anomaly{}
	var kinds []string
	for _, a := range h.Anomalies {
		why := ""
		switch {
		case !slices.Contains(exp.Tolerate, a.Kind):
			why = "not tolerated"
		case ev.Ready && afterReady(a, byRef, ev.TReady):
			why = "what went missing was acked after t_ready"
		default:
			continue
		}
		if _, seen := bad[a.Kind]; !seen {
			kinds = append(kinds, a.Kind)
		}
		a.Detail += " (" + why + ")"
		bad[a.Kind] = append(bad[a.Kind], a)
	}
	var r []string
	for _, k := range kinds {
		first := bad[k][0]
		r = append(r, fmt.Sprintf("history: %d %s (first: key %s at %s: %s)", len(bad[k]), k, first.Key, first.At.Format("15:04:05.000"), first.Detail))
	}
	return r
}

// MissingEffectAt returns when the effect anomaly a shows missing was
// acknowledged (false when the anomaly names no op of ops). The observing
// op is the anomaly's last; before it come the ops whose effect went
// missing: for a stale read the newest write the read should have seen,
// otherwise (a lost write, two INCRs that returned the same value, a
// counter that went back) the earliest of them — the benefit of the doubt
// goes to the scenario.
func MissingEffectAt(a history.Anomaly, ops map[history.OpRef]*history.Op) (time.Time, bool) {
	refs := a.Ops
	if len(refs) > 1 {
		refs = refs[:len(refs)-1]
	}
	var pick *history.Op
	for _, ref := range refs {
		op, ok := ops[ref]
		if !ok {
			continue
		}
		switch {
		case pick == nil:
			pick = op
		case a.Kind == history.KindStaleRead && op.Complete.After(pick.Complete):
			pick = op
		case a.Kind != history.KindStaleRead && op.Complete.Before(pick.Complete):
			pick = op
		}
	}
	if pick == nil {
		return time.Time{}, false
	}
	return pick.Complete, true
}

// IndexHistory maps each op of a history to its reference.
func IndexHistory(ops []history.Op) map[history.OpRef]*history.Op {
	byRef := make(map[history.OpRef]*history.Op, len(ops))
	for i := range ops {
		byRef[ops[i].Ref()] = &ops[i]
	}
	return byRef
}

// afterReady reports whether what anomaly a shows missing was acked at
// or after t.
func afterReady(a history.Anomaly, ops map[history.OpRef]*history.Op, t time.Time) bool {
	at, ok := MissingEffectAt(a, ops)
	return ok && !at.Before(t)
}

// DefaultTolerate returns the history anomalies a scenario tolerates by
// default: one that may lose acked writes (a loss bound, or a count limit
// above zero) shows the writes it loses as lost writes, as reads that went
// back in time (a restore, a failover that dropped the newest writes) and
// as counters that went back; one that may lose none tolerates none.
func DefaultTolerate(loss LossBound, mayLose bool) []string {
	if loss == "" && !mayLose {
		return nil
	}
	return []string{history.KindLostWrite, history.KindStaleRead, history.KindCounterBackwards}
}
