package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
)

// TestJudgeHistoryCounterLoss: increments lost from a counter are judged
// by the benefit of the doubt — with k of n acked INCRs missing, the run
// passes when the k earliest were acked before t_ready (the minority side
// of a partition, say), and fails when even they were acked after it.
func TestJudgeHistoryCounterLoss(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	n := func(v int64) *int64 { return &v }
	ops := []history.Op{
		{Client: 1, Seq: 1, Key: "c", Type: history.TypeCounter, F: history.FIncr, Invoke: at(0), Complete: at(5), Outcome: history.OutcomeOK, Counter: n(1)},
		{Client: 2, Seq: 1, Key: "c", Type: history.TypeCounter, F: history.FIncr, Invoke: at(10), Complete: at(15), Outcome: history.OutcomeOK, Counter: n(2)},
		{Client: 3, Seq: 1, Key: "c", Type: history.TypeCounter, F: history.FIncr, Invoke: at(2000), Complete: at(2005), Outcome: history.OutcomeOK, Counter: n(1)},
		{Client: -1, Seq: 0, Key: "c", Type: history.TypeCounter, F: history.FRead, Invoke: at(3000), Complete: at(3001), Outcome: history.OutcomeOK, Counter: n(1), Final: true},
	}
	res, err := history.Check(context.Background(), ops, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := Evidence{Ready: true, TReady: at(1000), History: ops, HistoryCheck: &res}
	exp := Expect{Tolerate: DefaultTolerate(LossAfterFault, true)}
	if r := judgeHistory(ev, exp); len(r) != 0 {
		t.Errorf("two of three increments lost, the earliest two acked before t_ready: %v", r)
	}
	ev.TReady = at(10)
	r := judgeHistory(ev, exp)
	if all := strings.Join(r, "; "); !strings.Contains(all, "history: 1 lost-write") || !strings.Contains(all, "after t_ready") {
		t.Errorf("even the earliest lost increments acked after t_ready: %v", r)
	}
	if r := judgeHistory(ev, Expect{}); len(r) == 0 {
		t.Error("a scenario that tolerates nothing passed lost increments")
	}
}
