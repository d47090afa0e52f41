package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/redisdrill/redisdrill/reports"
)

// Scope says which of report.json's reasons the audit judges beyond its
// figures' own rules.
type Scope struct {
	// Expect: report.json records the expectations and measurement.json
	// was read, so the engine, loss-bound, failover and fence reasons are
	// judged (JudgeExpect).
	Expect bool
	// History: history.jsonl was re-checked, so the history reasons are
	// judged (HistoryCheck.Judge).
	History bool
	// Readmit lists the nodes the run could not readmit
	// (measurement.json): their "fence: " reasons are carried over.
	Readmit []string
}

// ruleOf names the audit rule a reason of report.json's verdict reports
// (by the live judge's wording), "" for one the audit cannot judge: a
// failed step, a restored backup, a node not readmitted, and whatever sc
// leaves out.
func ruleOf(reason string, s reports.ScenarioResult, sc Scope) string {
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
	case strings.HasPrefix(reason, "history: "):
		if sc.History {
			return historyRule(reason)
		}
		return ""
	case sc.Expect:
		return expectRule(reason, sc.Readmit)
	}
	return ""
}

// expectRule names the expectation rule of a reason of report.json's
// verdict ("" for none): readmit's failures are "fence: " reasons too,
// but no expectation's.
func expectRule(reason string, readmit []string) string {
	switch {
	case strings.HasPrefix(reason, "the engine acted ("):
		return RuleNoAction
	case reason == "the engine did not recover anything":
		return RuleRecovered
	case strings.HasPrefix(reason, "strategy "):
		return RuleStrategy
	case strings.HasPrefix(reason, "incident "):
		return RuleIncident
	case strings.HasPrefix(reason, "recovery ") && strings.HasSuffix(reason, "did not pass the engine's verification"):
		return RuleVerified
	case strings.HasPrefix(reason, "loss:"):
		return RuleLossBound
	case strings.HasPrefix(reason, "failover:"):
		return RuleFailover
	case strings.HasPrefix(reason, "fence: ") && !slices.Contains(readmit, strings.TrimPrefix(reason, "fence: ")):
		return RuleFence
	}
	return ""
}

// CompareVerdict compares report.json's verdict of s with the audit's own
// v, judged within sc. It returns the status the audit arrives at — v's,
// or fail when report.json fails s for reasons the audit cannot judge
// (carried over) — and one line per disagreement, naming the rule's
// figure: a rule the evidence breaks that report.json does not name, a
// rule report.json names that the evidence does not break, or else
// differing statuses.
func CompareVerdict(s reports.ScenarioResult, v Verdict, f Figures, sc Scope) (reports.Status, []string) {
	rep := s.Verdict
	var repRules []string
	repText := map[string]string{}
	carried := false
	for _, reason := range rep.Reasons {
		r := ruleOf(reason, s, sc)
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
	case RuleLossBound:
		if len(f.LostWrites) == 0 {
			return "no acked write was lost"
		}
		w := f.LostWrites[0]
		return fmt.Sprintf("the oldest lost write was acked at %s (key %s), within the bound", clockOf(w.Acked), w.Key)
	case RuleNoAction, RuleRecovered, RuleStrategy, RuleIncident, RuleVerified, RuleFailover, RuleFence:
		return reports.FileMeasurement + " meets the expectation"
	}
	if strings.HasPrefix(rule, RuleHistory+" ") {
		return "history.jsonl's anomalies of the kind are tolerated and from before t_ready"
	}
	return rule
}
