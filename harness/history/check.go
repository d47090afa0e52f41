package history

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// DefaultTimeout is the porcupine budget Check uses when Options.Timeout is
// zero.
const DefaultTimeout = 10 * time.Second

// Verdicts (Result.Linearizable).
const (
	VerdictTrue    = "true"    // every key checked: no anomaly, porcupine found a linearization
	VerdictFalse   = "false"   // some key is proven not linearizable
	VerdictUnknown = "unknown" // nothing proven wrong, but some key's check ran out of time
)

// Options tunes Check.
type Options struct {
	// Timeout is the total budget for the porcupine checks, shared by all
	// keys (0 = DefaultTimeout). Keys are checked in parallel, each
	// against the one deadline; a key whose check has not finished by then
	// is unknown, never ok. The named-anomaly checks are not budgeted.
	Timeout time.Duration
	// VisualizeDir, when set, receives porcupine's HTML visualisation of
	// each key porcupine found not linearizable, as <sanitised key>.html.
	// The directory is created if needed.
	VisualizeDir string
}

// Result is what Check found.
type Result struct {
	// CheckedOps counts the ops given to porcupine: register and list ops
	// that carry information (see doc.go).
	CheckedOps int `json:"checked_ops"`
	// Linearizable is VerdictFalse when any key is proven not linearizable
	// (porcupine found no linearization, or a named anomaly, including a
	// counter's, was found), else VerdictUnknown when any key's check ran
	// out of time or ctx ended, else VerdictTrue.
	Linearizable string `json:"linearizable"`
	// Anomalies are the anomalies found, in the order they became visible.
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// Counts maps an anomaly kind to how many were found.
	Counts map[string]int `json:"counts,omitempty"`
	// Keys counts the keys in the history.
	Keys int `json:"keys"`
	// NonLinearizableKeys lists the keys proven not linearizable, sorted.
	NonLinearizableKeys []string `json:"non_linearizable_keys,omitempty"`
	// UnknownKeys lists the keys whose porcupine check ran out of time and
	// that no named anomaly proves wrong, sorted.
	UnknownKeys []string `json:"unknown_keys,omitempty"`
	// Visualizations maps a key to its visualisation's file name inside
	// Options.VisualizeDir.
	Visualizations map[string]string `json:"visualizations,omitempty"`
	// Elapsed is how long Check took.
	Elapsed time.Duration `json:"-"`
}

// Check checks a history for linearizability, key by key, and names its
// anomalies. Register and list keys are checked by porcupine and by the
// named-pattern checks; counter keys only by the direct counter checks (see
// doc.go). The ops may come in any order.
//
// If ctx ends, the keys porcupine has not checked yet are unknown, as when
// Options.Timeout runs out; Check still returns the Result without error.
// Check fails on an op it cannot interpret (unknown type, function or
// outcome, no invoke time, completed before invoked, one key used with two
// types) and when a visualisation cannot be written; the latter returns the
// Result too.
func Check(ctx context.Context, ops []Op, opts Options) (Result, error) {
	start := time.Now()
	keys, base, err := groupByKey(ops)
	if err != nil {
		return Result{}, fmt.Errorf("check history: %w", err)
	}
	budget := opts.Timeout
	if budget <= 0 {
		budget = DefaultTimeout
	}
	deadline := start.Add(budget)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}

	results := make([]keyResult, len(keys))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(keys)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) {
					return
				}
				results[i] = checkKey(ctx, keys[i], base, deadline)
			}
		})
	}
	wg.Wait()

	res := summarize(keys, results)
	if opts.VisualizeDir != "" {
		res.Visualizations, err = visualize(opts.VisualizeDir, keys, results)
	}
	res.Elapsed = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("check history: %w", err)
	}
	return res, nil
}

// keyHistory is the ops of one key, in the order of the history.
type keyHistory struct {
	key string
	typ string
	ops []*Op
}

// groupByKey validates ops and partitions them by key, sorted by key. It
// also returns the earliest invoke, the origin of porcupine's clock.
func groupByKey(ops []Op) ([]keyHistory, time.Time, error) {
	var base time.Time
	at := make(map[string]int)
	var keys []keyHistory
	for i := range ops {
		op := &ops[i]
		if err := op.validate(); err != nil {
			return nil, base, err
		}
		if base.IsZero() || op.Invoke.Before(base) {
			base = op.Invoke
		}
		j, ok := at[op.Key]
		if !ok {
			j = len(keys)
			at[op.Key] = j
			keys = append(keys, keyHistory{key: op.Key, typ: op.Type})
		}
		if keys[j].typ != op.Type {
			return nil, base, fmt.Errorf("key %q is used as %s and as %s", op.Key, keys[j].typ, op.Type)
		}
		keys[j].ops = append(keys[j].ops, op)
	}
	slices.SortFunc(keys, func(a, b keyHistory) int { return strings.Compare(a.key, b.key) })
	return keys, base, nil
}

// keyResult is what the checks found on one key.
type keyResult struct {
	anomalies []Anomaly
	verdict   porcupine.CheckResult // "" when porcupine did not look (counters)
	checked   int                   // ops given to porcupine
	// For a key porcupine found illegal: what the visualisation needs.
	model porcupine.Model
	info  porcupine.LinearizationInfo
}

// checkKey runs the named checks and, for registers and lists, porcupine
// with the time left before deadline.
func checkKey(ctx context.Context, k keyHistory, base, deadline time.Time) keyResult {
	var r keyResult
	switch k.typ {
	case TypeCounter:
		r.anomalies = counterAnomalies(k.key, k.ops)
		return r
	case TypeList:
		r.anomalies = listAnomalies(k.key, k.ops)
	default:
		r.anomalies = registerAnomalies(k.key, k.ops)
	}
	model, pops, kept := operations(k.typ, k.ops, base)
	r.checked = len(pops)
	if len(pops) == 0 {
		r.verdict = porcupine.Ok
		return r
	}
	left := time.Until(deadline)
	if ctx.Err() != nil || left <= 0 {
		r.verdict = porcupine.Unknown
		return r
	}
	verdict, info := porcupine.CheckOperationsVerbose(model, pops, left)
	r.verdict = verdict
	if verdict != porcupine.Illegal {
		return r
	}
	r.model, r.info = model, info
	if len(r.anomalies) == 0 {
		r.anomalies = append(r.anomalies, nonLinearizable(k.key, info, kept))
	}
	return r
}

// nonLinearizable names a key porcupine found illegal that no named pattern
// explains. The observing op is the first op, by return, that porcupine's
// longest partial linearization could not include.
func nonLinearizable(key string, info porcupine.LinearizationInfo, kept []*Op) Anomaly {
	var longest []int
	if parts := info.PartialLinearizations(); len(parts) > 0 {
		for _, p := range parts[0] {
			if len(p) > len(longest) {
				longest = p
			}
		}
	}
	in := make([]bool, len(kept))
	for _, id := range longest {
		if id >= 0 && id < len(kept) {
			in[id] = true
		}
	}
	var stuck *Op
	for i, op := range kept {
		if in[i] || !op.ok() {
			continue
		}
		if stuck == nil || op.Complete.Before(stuck.Complete) {
			stuck = op
		}
	}
	a := Anomaly{Kind: KindNonLinearizable, Key: key}
	a.Detail = fmt.Sprintf("porcupine found no linearization of the %d ops checked on this key", len(kept))
	if stuck == nil { // cannot happen: a history of ops that may all apply last is linearizable
		for _, op := range kept {
			a.At = latest(a.At, op.Invoke)
		}
		return a
	}
	a.Ops, a.At = refs(stuck), stuck.Complete
	a.Detail += fmt.Sprintf("; its longest partial linearization orders %d of them and cannot go on to the %s",
		len(longest), stuck.describe())
	return a
}

// summarize merges the per-key results.
func summarize(keys []keyHistory, results []keyResult) Result {
	res := Result{Keys: len(keys), Linearizable: VerdictTrue}
	for i, r := range results {
		res.CheckedOps += r.checked
		res.Anomalies = append(res.Anomalies, r.anomalies...)
		switch {
		case r.verdict == porcupine.Illegal || len(r.anomalies) > 0:
			res.NonLinearizableKeys = append(res.NonLinearizableKeys, keys[i].key)
		case r.verdict == porcupine.Unknown:
			res.UnknownKeys = append(res.UnknownKeys, keys[i].key)
		}
	}
	switch {
	case len(res.NonLinearizableKeys) > 0:
		res.Linearizable = VerdictFalse
	case len(res.UnknownKeys) > 0:
		res.Linearizable = VerdictUnknown
	}
	sortAnomalies(res.Anomalies)
	if len(res.Anomalies) > 0 {
		res.Counts = make(map[string]int)
		for _, a := range res.Anomalies {
			res.Counts[a.Kind]++
		}
	}
	return res
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
