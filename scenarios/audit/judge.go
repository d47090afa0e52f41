package audit

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// The rules the audit judges a scenario by, each named after the figure it
// checks. A Reason carries one; CompareVerdict matches report.json's
// reasons to them.
const (
	RuleFinalRead      = "final read"
	RuleMinAcked       = "acked before fault"
	RuleReady          = "ready"
	RuleRTO            = "rto"
	RuleDetect         = "detect"
	RuleLost           = "acked lost"
	RuleClock          = "client outage"
	RuleLostAfterReady = "loss after t_ready"
	RuleWriteSafety    = "write safety"
)

// DefaultMinAcked is how many writes must be acked before the fault for a
// run to be judged when report.json records no min_acked_before_fault
// (docs/concepts.md, "What the numbers mean").
const DefaultMinAcked = 100

// ClockTolerance is how far the client-visible outage may exceed the RTO
// before the clock is called wrong: one probe round plus scheduling noise
// (docs/concepts.md, "What the numbers mean"). report.json does not record it.
const ClockTolerance = 150 * time.Millisecond

// Reason is one rule a scenario broke: Rule names the figure, Text says
// how, worded as the live judge words it.
type Reason struct {
	Rule, Text string
}

// Verdict is the audit's own judgement of a scenario.
type Verdict struct {
	Status  reports.Status
	Reasons []Reason
}

// Judge re-judges a scenario from its recomputed figures and the limits
// report.json records for it: invalid when too few writes were acked
// before the fault; otherwise fail on every broken rule — never ready,
// rto over rto_max, detect over detect_max, acked writes lost over
// acked_lost_max, a client outage the RTO does not cover, a lost write
// acked at or after t_ready, a write-safety violation — else pass.
// The expectations report.json records are judged by JudgeExpect, the
// history by HistoryCheck.Judge.
func Judge(f Figures, th reports.Thresholds) Verdict {
	minAcked := int64(DefaultMinAcked)
	if th.MinAckedBeforeFault != nil && *th.MinAckedBeforeFault >= 1 {
		minAcked = *th.MinAckedBeforeFault
	}
	if int64(f.AckedBeforeFault) < minAcked {
		return Verdict{Status: reports.StatusInvalid, Reasons: []Reason{{RuleMinAcked,
			fmt.Sprintf("invalid: only %d acked writes before the fault (< %d)", f.AckedBeforeFault, minAcked)}}}
	}
	var r []Reason
	if !f.Ready {
		r = append(r, Reason{RuleReady, "never ready: not every shard accepted writes again within the RTO timeout"})
	} else if th.RTOMax != nil && f.RTO > th.RTOMax.D() {
		r = append(r, Reason{RuleRTO, fmt.Sprintf("rto %s > rto_max %s", reports.Millis(f.RTO), *th.RTOMax)})
	}
	if th.DetectMax != nil && f.Detect > th.DetectMax.D() {
		r = append(r, Reason{RuleDetect, fmt.Sprintf("detect %s > detect_max %s", reports.Millis(f.Detect), *th.DetectMax)})
	}
	if th.AckedLostMax != nil && int64(f.Lost) > *th.AckedLostMax {
		r = append(r, Reason{RuleLost, fmt.Sprintf("acked_lost %d > acked_lost_max %d", f.Lost, *th.AckedLostMax)})
	}
	if out := f.Outage(); f.Ready && out > 0 && out-f.RTO > ClockTolerance {
		r = append(r, Reason{RuleClock, fmt.Sprintf("clock: the client-visible outage %s (first failure at t0%+dms) exceeds the RTO %s by %s > %s",
			reports.Millis(out), f.FirstFailure.Sub(f.T0).Milliseconds(), reports.Millis(f.RTO), reports.Millis(out-f.RTO), reports.Millis(ClockTolerance))})
	}
	if w, n := f.LostAfterReady(); n > 0 {
		text := fmt.Sprintf("loss: a write acked at %s, after t_ready %s, was lost (key %s)", clockOf(w.Acked), clockOf(f.TReady), w.Key)
		if n > 1 {
			text += fmt.Sprintf("; %d writes acked after t_ready were lost", n)
		}
		r = append(r, Reason{RuleLostAfterReady, text})
	}
	for _, v := range f.ViolationTexts {
		r = append(r, Reason{RuleWriteSafety, v})
	}
	if len(r) > 0 {
		return Verdict{Status: reports.StatusFail, Reasons: r}
	}
	return Verdict{Status: reports.StatusPass}
}

// LostAfterReady returns the oldest lost write acknowledged at or after
// t_ready and how many such writes were lost (0 when none, or when the
// run never became ready). Once every shard accepts writes again, a write
// it acknowledges must survive: such a loss fails the run whatever its
// loss limit.
func (f Figures) LostAfterReady() (LostWrite, int) {
	if !f.Ready {
		return LostWrite{}, 0
	}
	var first LostWrite
	n := 0
	for _, w := range f.LostWrites {
		if w.Acked.Before(f.TReady) {
			continue
		}
		if n == 0 {
			first = w
		}
		n++
	}
	return first, n
}

// add appends reasons to v: a pass with reasons becomes a fail.
func (v *Verdict) add(r []Reason) {
	if len(r) == 0 {
		return
	}
	v.Reasons = append(v.Reasons, r...)
	if v.Status == reports.StatusPass {
		v.Status = reports.StatusFail
	}
}
