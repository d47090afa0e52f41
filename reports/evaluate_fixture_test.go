package reports

import (
	"fmt"
	"strings"
)

// evaluate judges (test fixtures only; drills are judged by session.Judge) a scenario result against thresholds. Order of checks:
// an Error gives StatusError; too few acked writes before the fault gives
// StatusInvalid (a run that proves nothing is not green); otherwise every
// broken limit is a reason and gives StatusFail; no reasons gives StatusPass.
func evaluate(r ScenarioResult, t Thresholds) Verdict {
	if msg := strings.TrimSpace(r.Error); msg != "" {
		return Verdict{Status: StatusError, Reasons: []string{"error: " + msg}}
	}
	if t.MinAckedBeforeFault != nil && r.AckedBeforeFault < *t.MinAckedBeforeFault {
		return Verdict{Status: StatusInvalid, Reasons: []string{fmt.Sprintf(
			"invalid: only %d acked writes before the fault (< %d)", r.AckedBeforeFault, *t.MinAckedBeforeFault)}}
	}
	var reasons []string
	if !r.Ready {
		reasons = append(reasons, "never ready: not every shard accepted writes again before the drill ended")
	} else if t.RTOMax != nil && r.RTO > *t.RTOMax {
		reasons = append(reasons, fmt.Sprintf("rto %s > rto_max %s", r.RTO, *t.RTOMax))
	}
	if t.DetectMax != nil && r.Detect > *t.DetectMax {
		reasons = append(reasons, fmt.Sprintf("detect %s > detect_max %s", r.Detect, *t.DetectMax))
	}
	if t.AckedLostMax != nil && r.Loss.Lost > *t.AckedLostMax {
		reasons = append(reasons, fmt.Sprintf("acked_lost %d > acked_lost_max %d", r.Loss.Lost, *t.AckedLostMax))
	}
	if len(reasons) > 0 {
		return Verdict{Status: StatusFail, Reasons: reasons}
	}
	return Verdict{Status: StatusPass}
}

// evaluateRun resolves thresholds for every scenario of run from cfg, stores
// them and the verdict in each result, and returns the updated run.
func evaluateRun(run Run, cfg ThresholdConfig) Run {
	out := run
	out.Scenarios = make([]ScenarioResult, len(run.Scenarios))
	for i, s := range run.Scenarios {
		s.Thresholds = cfg.For(s.Name, s.Labels)
		s.Verdict = evaluate(s, s.Thresholds)
		out.Scenarios[i] = s
	}
	return out
}
