package history

import "fmt"

// listAnomalies finds the named anomalies of one list key (see doc.go for
// their definitions).
func listAnomalies(key string, ops []*Op) []Anomaly {
	l := newListIndex(ops)
	out := l.readAnomalies(key)
	out = append(out, l.staleReads(key)...)
	return append(out, l.lostAppends(key)...)
}

// listIndex numbers a list key's appends and remembers, for every
// successful read, which appends it shows.
type listIndex struct {
	idx   writeIndex
	ack   acked
	reads []*Op // successful reads, in complete order
	apps  []*Op // the append standing for each element (idx.byValue), by number
	ids   map[string]int32
	// shown[i] lists the numbers of the known elements reads[i] shows, in
	// order, as a window into one shared slice.
	shown    [][]int32
	lastSeen []*Op   // per number: the read invoked last that shows it
	mark     []int32 // per number: the stamp of the read being looked at
	stamp    int32
}

func newListIndex(ops []*Op) *listIndex {
	l := &listIndex{idx: indexWrites(ops), ack: newAcked(ops), reads: okReads(ops)}
	l.ids = make(map[string]int32, len(l.idx.byValue))
	for _, op := range ops {
		if op.isWrite() && l.idx.byValue[op.Value] == op {
			l.ids[op.Value] = int32(len(l.apps))
			l.apps = append(l.apps, op)
		}
	}
	l.lastSeen = make([]*Op, len(l.apps))
	l.mark = make([]int32, len(l.apps))
	l.shown = make([][]int32, len(l.reads))
	return l
}

// readAnomalies looks at each read on its own: elements never appended,
// elements listed twice, elements listed against their append order. It
// also fills shown and lastSeen. Each element (or pair) is reported once,
// with the first read that shows the anomaly.
func (l *listIndex) readAnomalies(key string) []Anomaly {
	var out []Anomaly
	never := make(map[string]bool)
	dup := make(map[int32]bool)
	reordered := make(map[[2]int32]bool)
	total := 0
	for _, r := range l.reads {
		total += len(r.List)
	}
	flat := make([]int32, 0, total)
	for i, r := range l.reads {
		l.stamp++
		start := len(flat)
		first := int32(-1) // the element shown so far whose append was invoked last
		for _, e := range r.List {
			id, ok := l.ids[e]
			if !ok {
				if !never[e] {
					never[e] = true
					out = append(out, neverWritten(key, r, e, l.idx.failed[e], "lists", "append"))
				}
				continue
			}
			b := l.apps[id]
			if l.mark[id] == l.stamp {
				if !dup[id] {
					dup[id] = true
					out = append(out, Anomaly{
						Kind: KindDuplicateAppend, Key: key, Ops: refs(b, r), At: r.Complete,
						Detail: fmt.Sprintf("%s lists %s more than once, appended once by %s", r.describe(), e, b.Ref()),
					})
				}
				continue
			}
			l.mark[id] = l.stamp
			flat = append(flat, id)
			if seen := l.lastSeen[id]; seen == nil || r.Invoke.After(seen.Invoke) {
				l.lastSeen[id] = r
			}
			if first >= 0 {
				a := l.apps[first]
				if b.ok() && a.Invoke.After(b.Complete) && !reordered[[2]int32{first, id}] {
					reordered[[2]int32{first, id}] = true
					out = append(out, Anomaly{
						Kind: KindReorderedAppend, Key: key, Ops: refs(a, b, r), At: r.Complete,
						Detail: fmt.Sprintf("%s lists %s before %s, but %s was acked %s before %s was invoked",
							r.describe(), a.Value, e, b.describe(), since(b.Complete, a.Invoke), a.describe()),
					})
				}
			}
			if first < 0 || b.Invoke.After(l.apps[first].Invoke) {
				first = id
			}
		}
		l.shown[i] = flat[start:len(flat):len(flat)]
	}
	return out
}

// markShown stamps the elements reads[i] shows.
func (l *listIndex) markShown(i int) {
	l.stamp++
	for _, id := range l.shown[i] {
		l.mark[id] = l.stamp
	}
}

// staleReads reports each non-final read that misses an element acked
// before it began while a later read (invoked after it completed) shows the
// element again; one anomaly per read, naming the missing element acked
// last.
func (l *listIndex) staleReads(key string) []Anomaly {
	var out []Anomaly
	for i, r := range l.reads {
		if r.Final {
			continue
		}
		n := l.ack.before(r.Invoke)
		if n == 0 {
			continue
		}
		l.markShown(i)
		var missing *Op
		var later *Op
		count := 0
		for j := n - 1; j >= 0; j-- {
			a := l.ack.ops[j]
			id, ok := l.ids[a.Value]
			if !ok || l.mark[id] == l.stamp {
				continue
			}
			seen := l.lastSeen[id]
			if seen == nil || !seen.Invoke.After(r.Complete) {
				continue
			}
			count++
			if missing == nil {
				missing, later = a, seen
			}
		}
		if missing == nil {
			continue
		}
		detail := fmt.Sprintf("%s misses %s, acked %s before the read began, which a later %s shows",
			r.describe(), missing.describe(), since(missing.Complete, r.Invoke), later.describe())
		if count > 1 {
			detail += fmt.Sprintf(" (%d acked elements missing)", count)
		}
		out = append(out, Anomaly{Kind: KindStaleRead, Key: key, Ops: refs(missing, r), At: r.Complete, Detail: detail})
	}
	return out
}

// lostAppends reports each acked append whose element a final read does
// not list, once, with the first final read that misses it.
func (l *listIndex) lostAppends(key string) []Anomaly {
	var out []Anomaly
	lost := make(map[*Op]bool)
	for i, f := range l.reads {
		if !f.Final {
			continue
		}
		l.markShown(i)
		for _, a := range l.ack.ops[:l.ack.before(f.Invoke)] {
			id, ok := l.ids[a.Value]
			if !ok || l.mark[id] == l.stamp || lost[a] {
				continue
			}
			lost[a] = true
			out = append(out, Anomaly{
				Kind: KindLostWrite, Key: key, Ops: refs(a, f), At: f.Complete,
				Detail: fmt.Sprintf("%s, acked %s before the final read began, is lost: %s does not list it",
					a.describe(), since(a.Complete, f.Invoke), f.describe()),
			})
		}
	}
	return out
}
