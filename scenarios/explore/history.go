package explore

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// checkHistory: every shared key's history is linearizable. A lost
// write, a stale read or a counter that went back is tolerated where the
// loss of what went missing is (see lossTolerance); any other anomaly, or
// a key porcupine proves non-linearizable, breaks the invariant.
func checkHistory(ev session.Evidence, s Schedule, ws []FaultWindow) []Break {
	h := ev.HistoryCheck
	if h == nil || len(h.Anomalies) == 0 {
		return nil
	}
	tolerated := lossTolerance(ev, s, ws)
	ops := session.IndexHistory(ev.History)
	var first *history.Anomaly
	count := 0
	for _, a := range h.Anomalies {
		switch a.Kind {
		case history.KindLostWrite, history.KindStaleRead, history.KindCounterBackwards:
			if at, ok := session.MissingEffectAt(a, ops); ok && tolerated(at) {
				continue
			}
		}
		count++
		if first == nil {
			a := a
			first = &a
		}
	}
	if first == nil {
		return nil
	}
	return []Break{{Invariant: InvLinearizable, At: first.At, Count: count, History: first,
		Detail: fmt.Sprintf("%s on %s: %s", first.Kind, first.Key, first.Detail), Event: blame(ws, first.At, 2*time.Second)}}
}
