package history

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// genHistory builds a linearizable synthetic history of n ops: 8 clients
// run registers, lists and counters (2 live keys of each type at a time,
// each key used for ≈200 ops and then replaced by a new one, so lists stay
// short), with overlapping invoke/complete windows, ≈0.5% failed and ≈0.5%
// unknown outcomes (an unknown write takes effect half of the time,
// possibly after the client gave up), and a final read of every key. Each
// op takes effect at one instant; results are computed by applying the ops
// in that order, so the history is linearizable by construction.
func genHistory(n int, seed uint64) []Op {
	const (
		clients     = 8
		keysPerType = 2
		opsPerKey   = 200
		perEpoch    = opsPerKey * 3 * keysPerType / clients // ops per client per key generation
	)
	types := [3]string{TypeRegister, TypeList, TypeCounter}
	// workload ops w and final reads (one per key) add up to n.
	keysFor := func(w int) int {
		perClient := (w + clients - 1) / clients
		return (perClient + perEpoch - 1) / perEpoch * 3 * keysPerType
	}
	w := n
	for range 10 {
		w = n - keysFor(w)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	type pending struct {
		op      int // index into ops
		at      time.Time
		applies bool
	}
	ops := make([]Op, 0, n)
	effects := make([]pending, 0, w)
	for c := range clients {
		count := w / clients
		if c < w%clients {
			count++
		}
		t := base.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
		for i := range count {
			epoch := i / perEpoch
			ti := rng.IntN(3)
			typ := types[ti]
			key := fmt.Sprintf("%s:%d:%d", typ, epoch, rng.IntN(keysPerType))
			dur := time.Duration(200+rng.IntN(1800)) * time.Microsecond
			op := Op{Client: c, Seq: int64(i + 1), Key: key, Type: typ, F: FRead, Invoke: t, Complete: t.Add(dur), Outcome: OutcomeOK}
			if rng.IntN(2) == 0 {
				op.F = [3]string{FWrite, FAppend, FIncr}[ti]
				if typ != TypeCounter {
					op.Value = fmt.Sprintf("c%d:%d", c, i+1)
				}
			}
			at := t.Add(time.Duration(rng.Int64N(int64(dur) + 1)))
			applies := true
			switch x := rng.IntN(1000); {
			case x < 5:
				op.Outcome, op.Kind, op.Err = OutcomeFail, "CLUSTERDOWN", "CLUSTERDOWN The cluster is down"
				applies = false
			case x < 10:
				op.Outcome, op.Kind, op.Err = OutcomeUnknown, "timeout", "i/o timeout"
				applies = op.isWrite() && rng.IntN(2) == 0
				at = t.Add(time.Duration(rng.Int64N(int64(dur) + int64(5*time.Millisecond))))
			}
			effects = append(effects, pending{op: len(ops), at: at, applies: applies})
			ops = append(ops, op)
			t = op.Complete.Add(time.Duration(rng.IntN(300)) * time.Microsecond)
		}
	}
	slices.SortStableFunc(effects, func(a, b pending) int { return a.at.Compare(b.at) })

	registers := make(map[string]*string)
	lists := make(map[string][]string)
	counters := make(map[string]int64)
	for _, e := range effects {
		op := &ops[e.op]
		if !e.applies {
			continue
		}
		switch {
		case op.F == FWrite:
			registers[op.Key] = &op.Value
		case op.F == FAppend:
			lists[op.Key] = append(lists[op.Key], op.Value)
		case op.F == FIncr:
			counters[op.Key]++
			if op.ok() {
				v := counters[op.Key]
				op.Counter = &v
			}
		case !op.ok():
		case op.Type == TypeRegister:
			op.Got = registers[op.Key]
		case op.Type == TypeList:
			l := lists[op.Key]
			op.List = l[:len(l):len(l)] // the list only grows: share its prefix
		default:
			v := counters[op.Key]
			op.Counter = &v
		}
	}

	// The final read: one sequential reader, after everything settled.
	var end time.Time
	for i := range ops {
		end = latest(end, ops[i].Complete)
	}
	t := end.Add(10 * time.Millisecond)
	epochs := keysFor(w) / (3 * keysPerType)
	seq := int64(0)
	for epoch := range epochs {
		for _, typ := range types {
			for k := range keysPerType {
				key := fmt.Sprintf("%s:%d:%d", typ, epoch, k)
				seq++
				op := Op{Client: clients, Seq: seq, Key: key, Type: typ, F: FRead, Invoke: t, Complete: t.Add(100 * time.Microsecond), Outcome: OutcomeOK, Final: true}
				switch typ {
				case TypeRegister:
					op.Got = registers[key]
				case TypeList:
					op.List = lists[key]
				default:
					v := counters[key]
					op.Counter = &v
				}
				ops = append(ops, op)
				t = op.Complete.Add(50 * time.Microsecond)
			}
		}
	}
	return ops
}
