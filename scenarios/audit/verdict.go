package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/redisdrill/redisdrill/reports"
)

// ruleOf names the audit rule a reason of report.json's verdict reports
// (by the live judge's wording), "" for one the audit cannot judge: a
// strategy or incident, a failed step or verification, a backup, a fence,
// a failover, a loss bound — expectations report.json does not record.
func ruleOf(reason string, s reports.ScenarioResult) string {
	switch {
	case strings.HasPrefix(reason, "invalid: only "):
		return RuleMinAcked
	case strings.HasPrefix(reason, "invalid: "):
		return RuleFinalRead
	case strings.HasPrefix(reason, "never ready"):
		return RuleReady
	case strings.HasPrefix(reason, "rto "):
		return RuleRTO
	case strings.HasPrefix(reason, "detect "):
		return RuleDetect
	case strings.HasPrefix(reason, "acked_lost "):
		return RuleLost
	case strings.HasPrefix(reason, "clock:"):
		return RuleClock
	case strings.HasPrefix(reason, "loss:") && strings.Contains(reason, "after t_ready"):
		return RuleLostAfterReady
	case slices.Contains(s.WriteSafety.Violations, reason):
		return RuleWriteSafety
	}
	return ""
}

// CompareVerdict compares report.json's verdict of s with the audit's own
// v. It returns the status the audit arrives at — v's, or fail when
// report.json fails s for reasons the audit cannot judge (carried over) —
// and one line per disagreement, naming the rule's figure: a rule the
// evidence breaks that report.json does not name, a rule report.json names
// that the evidence does not break, or else differing statuses.
func CompareVerdict(s reports.ScenarioResult, v Verdict, f Figures) (reports.Status, []string) {
	rep := s.Verdict
	var repRules []string
	repText := map[string]string{}
	carried := false
	for _, reason := range rep.Reasons {
		r := ruleOf(reason, s)
		if r == RuleWriteSafety && f.Violations < 0 {
			r = "" // evidence from before the watcher: nothing to judge by
		}
		switch {
		case r == "":
			carried = true
		case repText[r] == "":
			repRules = append(repRules, r)
			repText[r] = reason
		}
	}
	status := v.Status
	if status == reports.StatusPass && carried && rep.Status == reports.StatusFail {
		status = reports.StatusFail
	}
	var out []string
	broken := map[string]bool{}
	for _, r := range v.Reasons {
		if broken[r.Rule] {
			continue
		}
		broken[r.Rule] = true
		if repText[r.Rule] == "" {
			out = append(out, fmt.Sprintf("verdict: the evidence %s on %s (%s), report.json (%s) does not", verb(v.Status), r.Rule, r.Text, rep.Status))
		}
	}
	for _, r := range repRules {
		if !broken[r] {
			out = append(out, fmt.Sprintf("verdict: report.json %s on %s (%s), the evidence does not (%s)", verb(rep.Status), r, repText[r], figureOf(r, f)))
		}
	}
	if len(out) == 0 && status != rep.Status {
		out = append(out, fmt.Sprintf("verdict: report.json says %s, the evidence says %s", rep.Status, status))
	}
	return status, out
}

func verb(st reports.Status) string {
	if st == reports.StatusInvalid {
		return "is invalid"
	}
	return "fails"
}

// figureOf says the recomputed figure rule checks.
func figureOf(rule string, f Figures) string {
	switch rule {
	case RuleMinAcked:
		return fmt.Sprintf("%d acked writes before the fault", f.AckedBeforeFault)
	case RuleFinalRead:
		return "finalread.jsonl is complete"
	case RuleReady:
		return fmt.Sprintf("ready at t0+%s", reports.Millis(f.RTO))
	case RuleRTO:
		return fmt.Sprintf("rto %s", reports.Millis(f.RTO))
	case RuleDetect:
		return fmt.Sprintf("detect %s", reports.Millis(f.Detect))
	case RuleLost:
		return fmt.Sprintf("acked lost %d", f.Lost)
	case RuleClock:
		return fmt.Sprintf("client outage %s, rto %s", reports.Millis(f.Outage()), reports.Millis(f.RTO))
	case RuleLostAfterReady:
		return "no lost write was acked at or after t_ready"
	case RuleWriteSafety:
		return fmt.Sprintf("watch.jsonl has %d violations", max(f.Violations, 0))
	}
	return rule
}
