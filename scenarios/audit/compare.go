package audit

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// Rounding is how far a reported duration may sit from the recomputed one
// and still agree: report.json rounds to the microsecond and people read
// milliseconds.
const Rounding = time.Millisecond

// CompareSafety reports a disagreement between the write-safety violations
// a report lists and those in watch.jsonl (nil when they agree or the run
// has no watch file).
func (f Figures) CompareSafety(reported int) []string {
	if f.Violations < 0 || f.Violations == reported {
		return nil
	}
	return []string{fmt.Sprintf("write-safety violations: reported %d, watch.jsonl has %d", reported, f.Violations)}
}

// Compare lists every reported figure that disagrees with the recomputed
// one (nil when all agree). Reported RTOs are whole milliseconds, so both
// RTOs are truncated to the millisecond before comparing; RTO is compared
// only when both sides say the run became ready.
func (f Figures) Compare(rto time.Duration, ready bool, acked, ackedBeforeFault, lost int) []string {
	var out []string
	if ready != f.Ready {
		out = append(out, fmt.Sprintf("ready: reported %t, recomputed %t", ready, f.Ready))
	} else if ready {
		got, want := rto.Truncate(time.Millisecond), f.RTO.Truncate(time.Millisecond)
		if got != want {
			out = append(out, fmt.Sprintf("rto: reported %v, recomputed %v", got, want))
		}
	}
	ints := []struct {
		name      string
		rep, have int
	}{
		{"acked", acked, f.Acked},
		{"acked before fault", ackedBeforeFault, f.AckedBeforeFault},
		{"lost", lost, f.Lost},
	}
	for _, c := range ints {
		if c.rep != c.have {
			out = append(out, fmt.Sprintf("%s: reported %d, recomputed %d", c.name, c.rep, c.have))
		}
	}
	return out
}

// Outage is the client-visible outage as a report states it: TReady −
// FirstFailure when the run became ready and a failure came before
// TReady, else 0.
func (f Figures) Outage() time.Duration {
	if !f.Ready || f.ClientOutage < 0 {
		return 0
	}
	return f.ClientOutage
}

// CompareOutage reports a reported client outage (client_outage_ms) more
// than Rounding away from the recomputed one.
func (f Figures) CompareOutage(reported time.Duration) []string {
	if d := reported - f.Outage(); d > Rounding || d < -Rounding {
		return []string{fmt.Sprintf("client outage: reported %s, recomputed %s", reports.Millis(reported), reports.Millis(f.Outage()))}
	}
	return nil
}

// LossWindow is T0 − the oldest lost write's acknowledgement, as
// report.json's loss_window_ms states it (0 when nothing was lost).
func (f Figures) LossWindow() time.Duration {
	if f.Lost == 0 || f.OldestLost.IsZero() {
		return 0
	}
	return f.T0.Sub(f.OldestLost)
}

// CompareOldestLost reports an oldest lost write that disagrees with the
// one report.json implies: its loss window (t0 − the oldest lost write's
// acknowledgement) more than Rounding away from the recomputed one.
func (f Figures) CompareOldestLost(window time.Duration) []string {
	d := window - f.LossWindow()
	if d <= Rounding && d >= -Rounding {
		return nil
	}
	rep := "none"
	if window != 0 {
		rep = "acked at " + clockOf(f.T0.Add(-window))
	}
	have := "none"
	if len(f.LostWrites) > 0 {
		w := f.LostWrites[0]
		have = fmt.Sprintf("acked at %s (key %s)", clockOf(w.Acked), w.Key)
	}
	return []string{fmt.Sprintf("oldest lost write: report.json's loss window %s puts it %s, the evidence has it %s",
		reports.Millis(window), rep, have)}
}

// CompareDetect reports a detect time (detect_ms) more than Rounding away
// from the first recovery's detected_at − t0 in measurement.json.
func (f Figures) CompareDetect(reported time.Duration) []string {
	if d := reported - f.Detect; d > Rounding || d < -Rounding {
		return []string{fmt.Sprintf("detect: reported %s, measurement.json's first recovery says %s", reports.Millis(reported), reports.Millis(f.Detect))}
	}
	return nil
}

// clockOf formats an instant as the verdicts do: HH:MM:SS.mmm.
func clockOf(t time.Time) string { return t.Format("15:04:05.000") }
