package explore

import (
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
)

// TestCheckHistoryInvariant: a duplicated append always breaks
// linearizable-per-key; a lost append breaks it unless the schedule
// tolerates the loss at the instant the append was acked.
func TestCheckHistoryInvariant(t *testing.T) {
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ev := evidenceOf(t0)
	ev.History = []history.Op{
		{Client: 0, Seq: 0, Key: "l", Type: history.TypeList, F: history.FAppend, Value: "a", Invoke: at(8400 * time.Millisecond), Complete: at(8500 * time.Millisecond), Outcome: history.OutcomeOK},
		{Client: -1, Seq: 0, Key: "l", Type: history.TypeList, F: history.FRead, Invoke: at(12 * time.Second), Complete: at(12 * time.Second), Outcome: history.OutcomeOK, Final: true},
	}
	lost := history.Anomaly{Kind: history.KindLostWrite, Key: "l", At: at(12 * time.Second),
		Ops: []history.OpRef{{Client: 0, Seq: 0}, {Client: -1, Seq: 0}}, Detail: "append of a missing from the final read"}
	ev.HistoryCheck = &history.Result{Linearizable: history.VerdictFalse, Anomalies: []history.Anomaly{lost}}
	s := sample()
	br, err := Check(ev, s)
	if err != nil || len(br) != 1 || br[0].Invariant != InvLinearizable || br[0].Event != "f3" || br[0].History == nil {
		t.Fatalf("lost append, no tolerance: breaks %+v, err %v", br, err)
	}
	s.AllowLoss = Duration(time.Second)
	if br, _ := Check(ev, s); len(br) != 0 {
		t.Fatalf("lost append acked within --allow-loss of f3: breaks %+v", br)
	}
	dup := history.Anomaly{Kind: history.KindDuplicateAppend, Key: "l", At: at(12 * time.Second),
		Ops: []history.OpRef{{Client: 0, Seq: 0}, {Client: -1, Seq: 0}}, Detail: "a appears twice"}
	ev.HistoryCheck.Anomalies = append(ev.HistoryCheck.Anomalies, dup)
	br, _ = Check(ev, s)
	if len(br) != 1 || br[0].History == nil || br[0].History.Kind != history.KindDuplicateAppend || br[0].Count != 1 {
		t.Fatalf("duplicate append under --allow-loss: breaks %+v", br)
	}
}
