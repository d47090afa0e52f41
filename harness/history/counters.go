package history

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// counterAnomalies checks one counter key directly (counters are not given
// to porcupine): counter-backwards, counter-double, and two INCRs that
// returned the same value (a lost increment, KindLostWrite). See doc.go for
// the definitions.
func counterAnomalies(key string, ops []*Op) []Anomaly {
	// valued: ops that returned a value (ok INCRs with a reply, ok reads),
	// in complete order. A successful read without a value read 0.
	var valued []*Op
	var invokes []time.Time // invokes of the INCRs that may have applied
	for _, op := range ops {
		if op.F == FIncr && !op.failed() {
			invokes = append(invokes, op.Invoke)
		}
		if op.ok() && (op.isRead() || op.Counter != nil) {
			valued = append(valued, op)
		}
	}
	slices.SortStableFunc(valued, byComplete)
	slices.SortFunc(invokes, time.Time.Compare)

	var out []Anomaly
	out = append(out, counterBackwards(key, valued)...)
	out = append(out, counterDouble(key, valued, invokes)...)
	out = append(out, counterRepeats(key, valued)...)
	return append(out, counterLost(key, ops)...)
}

// counterLost reports a counter whose final read holds fewer increments
// than were acknowledged: k = acked − final acked INCRs did not stay (one
// anomaly per key). Which ones cannot be told from the values; the
// anomaly names, besides the final read, the k-th earliest acked INCR: the
// latest the lost ones can all have been acked by (so a judge that bounds
// loss in time gives the run the benefit of the doubt). INCRs of unknown
// outcome may only add.
func counterLost(key string, ops []*Op) []Anomaly {
	var final *Op
	var acked []*Op
	for _, op := range ops {
		switch {
		case op.Final && op.okRead():
			final = op
		case op.F == FIncr && op.ok():
			acked = append(acked, op)
		}
	}
	if final == nil || counterValue(final) >= int64(len(acked)) {
		return nil
	}
	slices.SortStableFunc(acked, byComplete)
	k := int64(len(acked)) - max(counterValue(final), 0)
	by := acked[k-1]
	return []Anomaly{{
		Kind: KindLostWrite, Key: key, Ops: refs(by, final), At: final.Complete,
		Detail: fmt.Sprintf("%s holds %d, but %d INCRs on this key were acked: %d acked increments did not stay (at the earliest, all acked by %s)",
			final.describe(), counterValue(final), len(acked), k, by.describe()),
	}}
}

func counterValue(op *Op) int64 {
	if op.Counter == nil {
		return 0
	}
	return *op.Counter
}

// counterBackwards reports ops that returned less than an op that completed
// before they were invoked (an INCR that returned no more than such an op:
// an INCR always returns more than any value seen before it began). Each high-water op is named once: after a reset,
// later ops that stay below the same high-water mark are not reported again.
func counterBackwards(key string, valued []*Op) []Anomaly {
	// high[i]: index of the largest value among valued[:i+1].
	high := make([]int, len(valued))
	for i, op := range valued {
		high[i] = i
		if i > 0 && counterValue(op) <= counterValue(valued[high[i-1]]) {
			high[i] = high[i-1]
		}
	}
	var out []Anomaly
	reported := make(map[*Op]bool)
	for _, o := range valued {
		n := sort.Search(len(valued), func(i int) bool { return !valued[i].Complete.Before(o.Invoke) })
		if n == 0 {
			continue
		}
		p := valued[high[n-1]]
		// An INCR must return more than any value seen before it began;
		// a read at least as much.
		lower := counterValue(o) < counterValue(p) || (o.F == FIncr && counterValue(o) == counterValue(p))
		if !lower || reported[p] {
			continue
		}
		reported[p] = true
		out = append(out, Anomaly{
			Kind: KindCounterBackwards, Key: key, Ops: refs(p, o), At: o.Complete,
			Detail: fmt.Sprintf("%s returned %d, lower than the %d that %s returned %s before it began",
				o.describe(), counterValue(o), counterValue(p), p.describe(), since(p.Complete, o.Invoke)),
		})
	}
	return out
}

// counterDouble reports ops that returned more than the number of INCRs
// (failed ones excluded) invoked by the time they completed. Ops are looked
// at in complete order and one is reported only when its surplus is larger
// than every surplus reported before, so one extra increment is reported
// once.
func counterDouble(key string, valued []*Op, invokes []time.Time) []Anomaly {
	var out []Anomaly
	var reported int64
	for _, o := range valued {
		n := sort.Search(len(invokes), func(i int) bool { return invokes[i].After(o.Complete) })
		v := counterValue(o)
		if v-int64(n) <= reported {
			continue
		}
		reported = v - int64(n)
		out = append(out, Anomaly{
			Kind: KindCounterDouble, Key: key, Ops: refs(o), At: o.Complete,
			Detail: fmt.Sprintf("%s returned %d, but only %d INCRs on this key (failed ones excluded) had been invoked by the time it completed",
				o.describe(), v, n),
		})
	}
	return out
}

// counterRepeats reports two concurrent successful INCRs that returned the
// same value: one of the two increments was lost. Two that ran one after
// the other are a counter that went back (counterBackwards).
func counterRepeats(key string, valued []*Op) []Anomaly {
	var out []Anomaly
	first := make(map[int64]*Op)
	for _, o := range valued {
		if o.isRead() {
			continue
		}
		v := counterValue(o)
		p := first[v]
		if p == nil {
			first[v] = o
			continue
		}
		if p.Complete.Before(o.Invoke) {
			// One after the other: the counter went back in between
			// (counterBackwards names it); whether an increment was
			// lost is the final read's to say (counterLost).
			continue
		}
		out = append(out, Anomaly{
			Kind: KindLostWrite, Key: key, Ops: refs(p, o), At: o.Complete,
			Detail: fmt.Sprintf("INCRs by %s and %s both returned %d: one increment was lost", p.Ref(), o.Ref(), v),
		})
	}
	return out
}
