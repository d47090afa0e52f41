package audit

import (
	"sort"
	"time"
)

// countedTicks keeps the ticks that finished by measuredUntil, ordered by seq.
func countedTicks(ticks []probeTick, measuredUntil time.Time) []probeTick {
	var out []probeTick
	for _, t := range ticks {
		if !t.Done.IsZero() && !t.Done.After(measuredUntil) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// readyAt applies the t_ready rule: among the ticks from the first one sent
// at or after t0, ready is the done of the tick following the last failure
// (or of that first tick when none failed); never ready when no tick was
// sent after t0 or the last tick failed.
func readyAt(ticks []probeTick, t0 time.Time) (time.Time, bool) {
	if len(ticks) == 0 || !ticks[len(ticks)-1].OK {
		return time.Time{}, false
	}
	from := -1
	for i, t := range ticks {
		if !t.At.Before(t0) {
			from = i
			break
		}
	}
	if from < 0 {
		return time.Time{}, false
	}
	lastFail := -1
	for i := from; i < len(ticks); i++ {
		if !ticks[i].OK {
			lastFail = i
		}
	}
	if lastFail < 0 {
		return ticks[from].Done, true
	}
	return ticks[lastFail+1].Done, true // exists: the last tick is ok
}

// outageSince is the done of the last counted tick before t0 that
// succeeded: the fault's outage begins after it (docs/concepts.md, "Client-visible
// outage"); zero when none did.
func outageSince(counted []probeTick, t0 time.Time) time.Time {
	var since time.Time
	for _, t := range counted {
		if t.OK && t.Done.Before(t0) && t.Done.After(since) {
			since = t.Done
		}
	}
	return since
}

func earliest(cur, t time.Time) time.Time {
	if cur.IsZero() || t.Before(cur) {
		return t
	}
	return cur
}
