package audit

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/reports"
)

// Result is the audit of one scenario of a report.json.
type Result struct {
	// Dir is the evidence folder read (reports.EvidenceDir).
	Dir string
	// Figures are the recomputed figures; Recomputed is false when the
	// evidence could not give them (Diffs says why).
	Figures    Figures
	Recomputed bool
	// Reported is report.json's verdict status, Status the audit's
	// (its own verdict, or fail carried over from reasons it cannot
	// judge), Verdict the audit's own judgement.
	Reported, Status reports.Status
	Verdict          Verdict
	// Diffs lists every disagreement with report.json, one line each.
	Diffs []string
	// NotAudited says why the scenario was left out (it did not run to
	// its end: error, interrupted or skipped); empty when audited.
	NotAudited string
}

// Agrees reports whether report.json's figures and verdict of the
// scenario re-derive from its evidence (or it was not audited).
func (r Result) Agrees() bool { return len(r.Diffs) == 0 }

// Scenario audits s, a scenario of the report.json in reportDir: it
// recomputes the figures from the evidence folder (reports.EvidenceDir),
// compares them with the reported ones — RTO and readiness, acked writes,
// acked before the fault, acked lost, the oldest lost write (loss window),
// the client outage, detect, write-safety violations — and re-judges the
// verdict (Judge, CompareVerdict). Scenarios that did not run to their end
// (error, interrupted, skip) are not audited.
func Scenario(reportDir string, s reports.ScenarioResult) Result {
	res := Result{Dir: reports.EvidenceDir(reportDir, s), Reported: s.Verdict.Status}
	switch s.Verdict.Status {
	case reports.StatusError, reports.StatusInterrupted, reports.StatusSkip:
		res.NotAudited = fmt.Sprintf("not audited: the scenario's status is %s", s.Verdict.Status)
		return res
	}
	if noFinalRead(res.Dir) {
		// Only the verdict can be checked: no final read, no figures.
		res.Verdict = Verdict{Status: reports.StatusInvalid, Reasons: []Reason{{RuleFinalRead,
			fmt.Sprintf("invalid: the evidence has no final read (%s)", reports.FileFinalRead)}}}
		res.Status, res.Diffs = CompareVerdict(s, res.Verdict, Figures{Violations: -1})
		return res
	}
	f, err := Recompute(res.Dir)
	if err != nil {
		res.Diffs = []string{"cannot recompute: " + err.Error()}
		return res
	}
	res.Figures, res.Recomputed = f, true
	d := f.Compare(s.RTO.D(), s.Ready, int(s.Loss.Acked), int(s.AckedBeforeFault), int(s.Loss.Lost))
	d = append(d, f.CompareOldestLost(s.Loss.Window.D())...)
	d = append(d, f.CompareOutage(s.ClientOutage.D())...)
	d = append(d, f.CompareDetect(s.Detect.D())...)
	d = append(d, f.CompareSafety(len(s.WriteSafety.Violations))...)
	res.Verdict = Judge(f, s.Thresholds)
	var vd []string
	res.Status, vd = CompareVerdict(s, res.Verdict, f)
	res.Diffs = append(vd, d...)
	return res
}

// noFinalRead reports an evidence folder with a measurement but no final
// read: the drill judged it invalid before reading the keys back.
func noFinalRead(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, reports.FileMeasurement)); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, reports.FileFinalRead))
	return os.IsNotExist(err)
}
