package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/reports"
)

// RuleHistory prefixes the rule of each history anomaly kind: "history
// stale-read" is broken by a stale read the scenario does not tolerate,
// or one whose missing write was acked at or after t_ready.
const RuleHistory = "history"

// HistoryTimeout is the porcupine budget of the audit's re-check; a key
// not checked by then is unknown, as in the live check.
const HistoryTimeout = history.DefaultTimeout

// HistoryCheck is the history checker's finding over a scenario's
// history.jsonl, re-run by the audit on the raw file.
type HistoryCheck struct {
	Result history.Result
	// ops indexes the history's ops by reference (the anomalies name
	// theirs).
	ops map[history.OpRef]*history.Op
}

// readHistory reads history.jsonl of dir; found is false when the file
// does not exist.
func readHistory(dir string) (ops []history.Op, found bool, err error) {
	fh, err := os.Open(filepath.Join(dir, history.FileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read history: %w", err)
	}
	defer fh.Close()
	ops, err = history.ReadJSONL(fh)
	if err != nil {
		return nil, true, fmt.Errorf("read %s: %w", history.FileName, err)
	}
	return ops, true, nil
}

// CheckHistory re-runs the history checker on ops (history.ReadJSONL of a
// history.jsonl), with HistoryTimeout and no visualisation.
func CheckHistory(ctx context.Context, ops []history.Op) (*HistoryCheck, error) {
	res, err := history.Check(ctx, ops, history.Options{Timeout: HistoryTimeout})
	if err != nil {
		return nil, fmt.Errorf("re-check history: %w", err)
	}
	h := &HistoryCheck{Result: res, ops: make(map[history.OpRef]*history.Op, len(ops))}
	for i := range ops {
		h.ops[ops[i].Ref()] = &ops[i]
	}
	return h, nil
}

// Compare lists every way report.json's history object rep disagrees with
// the re-check: the ops checked, the keys, linearizable, and each anomaly
// kind's count. A check that ran out of time on either side (unknown)
// agrees with any linearizable verdict, and its non-linearizable count
// (which only porcupine finds) is not compared.
func (h *HistoryCheck) Compare(rep *reports.History) []string {
	r := h.Result
	var out []string
	if rep.CheckedOps != r.CheckedOps {
		out = append(out, fmt.Sprintf("history checked ops: reported %d, %s gives %d", rep.CheckedOps, history.FileName, r.CheckedOps))
	}
	if rep.Keys != r.Keys {
		out = append(out, fmt.Sprintf("history keys: reported %d, %s has %d", rep.Keys, history.FileName, r.Keys))
	}
	unknown := rep.Linearizable == reports.Unknown || r.Linearizable == history.VerdictUnknown
	if !unknown && string(rep.Linearizable) != r.Linearizable {
		out = append(out, fmt.Sprintf("history linearizable: reported %s, the re-check says %s", rep.Linearizable, r.Linearizable))
	}
	kinds := map[string]bool{}
	for k := range rep.Anomalies {
		kinds[k] = true
	}
	for k := range r.Counts {
		kinds[k] = true
	}
	sorted := make([]string, 0, len(kinds))
	for k := range kinds {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if unknown && k == history.KindNonLinearizable {
			continue
		}
		if rep.Anomalies[k] != r.Counts[k] {
			out = append(out, fmt.Sprintf("history %s: reported %d, the re-check finds %d", k, rep.Anomalies[k], r.Counts[k]))
		}
	}
	return out
}

// Judge re-judges the history by the tolerance rule, with the t_ready
// the audit derived (f): an anomaly fails the scenario when its kind is
// not in tolerate, or when what went missing was acked at or after
// t_ready (AckedAfter). One reason per failing kind, naming how many, and
// the first one's key, instant and detail.
func (h *HistoryCheck) Judge(tolerate []string, f Figures) []Reason {
	bad := map[string][]history.Anomaly{}
	var kinds []string
	for _, a := range h.Result.Anomalies {
		var why string
		switch {
		case !slices.Contains(tolerate, a.Kind):
			why = "not tolerated"
		case f.Ready && h.AckedAfter(a, f.TReady):
			why = "what went missing was acked after t_ready"
		default:
			continue
		}
		if len(bad[a.Kind]) == 0 {
			kinds = append(kinds, a.Kind)
		}
		a.Detail += " (" + why + ")"
		bad[a.Kind] = append(bad[a.Kind], a)
	}
	r := make([]Reason, 0, len(kinds))
	for _, k := range kinds {
		first := bad[k][0]
		r = append(r, Reason{RuleHistory + " " + k, fmt.Sprintf("history: %d %s (first: key %s at %s: %s)",
			len(bad[k]), k, first.Key, clockOf(first.At), first.Detail)})
	}
	return r
}

// AckedAfter reports whether the effect anomaly a shows missing was
// acknowledged at or after t. a's last op observed the anomaly; the ops
// before it are those whose effect went missing. Of those, a stale read
// is dated by the newest (the write the read should have seen at least),
// every other kind by the oldest: the scenario gets the benefit of the
// doubt. Ops the history does not hold are skipped; false when none is
// left.
func (h *HistoryCheck) AckedAfter(a history.Anomaly, t time.Time) bool {
	refs := a.Ops
	if len(refs) > 1 {
		refs = refs[:len(refs)-1]
	}
	var dated *history.Op
	for _, ref := range refs {
		op, ok := h.ops[ref]
		if !ok {
			continue
		}
		preferred := op.Complete.After
		if a.Kind != history.KindStaleRead {
			preferred = op.Complete.Before
		}
		if dated == nil || preferred(dated.Complete) {
			dated = op
		}
	}
	return dated != nil && !dated.Complete.Before(t)
}

// historyRule is the rule of a "history: N kind (...)" reason of
// report.json's verdict ("" for any other).
func historyRule(reason string) string {
	rest, ok := strings.CutPrefix(reason, "history: ")
	if !ok {
		return ""
	}
	if f := strings.Fields(rest); len(f) >= 2 {
		return RuleHistory + " " + f[1]
	}
	return ""
}

// hasFinalReads reports whether ops hold the final reads the history
// check runs after: a history.jsonl with them was checked live.
func hasFinalReads(ops []history.Op) bool {
	return slices.ContainsFunc(ops, func(op history.Op) bool { return op.Final })
}
