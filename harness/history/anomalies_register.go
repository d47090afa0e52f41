package history

import "fmt"

// registerAnomalies finds the named anomalies of one register key (see
// doc.go for their definitions).
func registerAnomalies(key string, ops []*Op) []Anomaly {
	idx := indexWrites(ops)
	ack := newAcked(ops)
	reads := okReads(ops)

	// The present read invoked last: proof that a missing key came back.
	var lastPresent *Op
	for _, r := range reads {
		if r.Got != nil && (lastPresent == nil || r.Invoke.After(lastPresent.Invoke)) {
			lastPresent = r
		}
	}

	var out []Anomaly
	never := make(map[string]bool)
	for _, r := range reads {
		if r.Got != nil {
			v := *r.Got
			w := idx.byValue[v]
			if w == nil {
				if !never[v] {
					never[v] = true
					out = append(out, neverWritten(key, r, v, idx.failed[v], "returned", "write"))
				}
				continue
			}
			if r.Final || !w.ok() {
				continue // final reads: see lostRegisterWrites; unknown writes may apply at any time
			}
			n := ack.before(r.Invoke)
			if n == 0 {
				continue
			}
			if w2 := ack.latestInvoked(n); w2.Invoke.After(w.Complete) {
				out = append(out, Anomaly{
					Kind: KindStaleRead, Key: key, Ops: refs(w, w2, r), At: r.Complete,
					Detail: fmt.Sprintf("%s returned %s, overwritten by %s acked %s before the read began",
						r.describe(), v, w2.describe(), since(w2.Complete, r.Invoke)),
				})
			}
			continue
		}
		if r.Final {
			continue
		}
		n := ack.before(r.Invoke)
		if n == 0 || lastPresent == nil || !lastPresent.Invoke.After(r.Complete) {
			continue // a missing key that never came back is a lost write if the final read agrees
		}
		w := ack.ops[n-1]
		out = append(out, Anomaly{
			Kind: KindStaleRead, Key: key, Ops: refs(w, r), At: r.Complete,
			Detail: fmt.Sprintf("%s found the key missing although %s was acked %s before the read began, and a later %s saw the key again",
				r.describe(), w.describe(), since(w.Complete, r.Invoke), lastPresent.describe()),
		})
	}
	return append(out, lostRegisterWrites(key, reads, idx, ack)...)
}

// lostRegisterWrites reports each acked write that a final read does not
// reflect: the final read found the key missing, or returned a value whose
// acked write completed before the lost write was invoked. Each lost write
// is reported once, with the first final read that misses it.
func lostRegisterWrites(key string, reads []*Op, idx writeIndex, ack acked) []Anomaly {
	var out []Anomaly
	lost := make(map[*Op]bool)
	for _, f := range reads {
		if !f.Final {
			continue
		}
		var fw *Op
		if f.Got != nil {
			fw = idx.byValue[*f.Got]
			if fw == nil || !fw.ok() {
				continue // never written (reported), or a write that may have applied last
			}
		}
		for _, w := range ack.ops[:ack.before(f.Invoke)] {
			if w == fw || lost[w] || (fw != nil && !fw.Complete.Before(w.Invoke)) {
				continue
			}
			lost[w] = true
			var what string
			if fw == nil {
				what = "found the key missing"
			} else {
				what = fmt.Sprintf("returned %s, whose write by %s completed before the lost write was invoked", *f.Got, fw.Ref())
			}
			out = append(out, Anomaly{
				Kind: KindLostWrite, Key: key, Ops: refs(w, f), At: f.Complete,
				Detail: fmt.Sprintf("%s, acked %s before the final read began, is lost: %s %s",
					w.describe(), since(w.Complete, f.Invoke), f.describe(), what),
			})
		}
	}
	return out
}

// neverWritten reports a read of a value that no op on the key carried, or
// whose only carrier failed. verb is how the read showed it, noun what
// would have carried it ("write", "append").
func neverWritten(key string, r *Op, v string, failed *Op, verb, noun string) Anomaly {
	a := Anomaly{Kind: KindNeverWritten, Key: key, At: r.Complete}
	if failed != nil {
		a.Ops = refs(failed, r)
		a.Detail = fmt.Sprintf("%s %s, whose %s by %s was reported failed", r.describe(), verb+" "+v, noun, failed.Ref())
		return a
	}
	a.Ops = refs(r)
	a.Detail = fmt.Sprintf("%s %s, which no %s on this key carried", r.describe(), verb+" "+v, noun)
	return a
}
