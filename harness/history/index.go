package history

import (
	"slices"
	"sort"
	"time"
)

// writeIndex finds the write (register) or append (list) that carried a
// value. Values are unique per op in the workload; if several ops carried
// the same value, the one that could have taken effect last stands for it
// (an unknown outcome beats an ok one, then the later complete), which is
// the choice that accuses the history least.
type writeIndex struct {
	byValue map[string]*Op // non-failed op that carried the value
	failed  map[string]*Op // first failed op that carried the value
}

func indexWrites(ops []*Op) writeIndex {
	idx := writeIndex{byValue: make(map[string]*Op), failed: make(map[string]*Op)}
	for _, op := range ops {
		if !op.isWrite() {
			continue
		}
		if op.failed() {
			if idx.failed[op.Value] == nil {
				idx.failed[op.Value] = op
			}
			continue
		}
		if cur := idx.byValue[op.Value]; cur == nil || effectsLater(op, cur) {
			idx.byValue[op.Value] = op
		}
	}
	return idx
}

// effectsLater reports whether a's effect may come after b's latest
// possible effect.
func effectsLater(a, b *Op) bool {
	if !b.ok() {
		return false
	}
	return !a.ok() || a.Complete.After(b.Complete)
}

// acked lists a key's acknowledged writes or appends in complete order,
// with, for every prefix, the one invoked last.
type acked struct {
	ops         []*Op
	lastInvoked []int // lastInvoked[i]: index of the latest invoke in ops[:i+1]
}

func newAcked(ops []*Op) acked {
	var a acked
	for _, op := range ops {
		if op.isWrite() && op.ok() {
			a.ops = append(a.ops, op)
		}
	}
	slices.SortStableFunc(a.ops, byComplete)
	a.lastInvoked = make([]int, len(a.ops))
	for i, op := range a.ops {
		a.lastInvoked[i] = i
		if i > 0 && !op.Invoke.After(a.ops[a.lastInvoked[i-1]].Invoke) {
			a.lastInvoked[i] = a.lastInvoked[i-1]
		}
	}
	return a
}

// before returns how many acked ops completed strictly before t (they are
// ops[:n]).
func (a acked) before(t time.Time) int {
	return sort.Search(len(a.ops), func(i int) bool { return !a.ops[i].Complete.Before(t) })
}

// latestInvoked returns the op invoked last among ops[:n], n > 0.
func (a acked) latestInvoked(n int) *Op { return a.ops[a.lastInvoked[n-1]] }

func byComplete(a, b *Op) int { return a.Complete.Compare(b.Complete) }

// okReads returns a key's successful reads in complete order.
func okReads(ops []*Op) []*Op {
	var out []*Op
	for _, op := range ops {
		if op.okRead() {
			out = append(out, op)
		}
	}
	slices.SortStableFunc(out, byComplete)
	return out
}
