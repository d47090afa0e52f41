package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/harness/history"
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
	// History is the history re-check (nil when report.json records no
	// history check, or history.jsonl could not be checked).
	History *history.Result
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

// Scenario audits s, a scenario of the report.json in reportDir, against
// its evidence folder (reports.EvidenceDir): see ScenarioAt.
func Scenario(reportDir string, s reports.ScenarioResult) Result {
	return ScenarioAt(reports.EvidenceDir(reportDir, s), s)
}

// ScenarioAt audits s against the evidence folder dir: it recomputes the
// figures and compares them with the reported ones — RTO and readiness,
// acked writes, acked before the fault, acked lost, the oldest lost write
// (loss window), the client outage, detect, write-safety violations — and
// re-checks history.jsonl against report.json's history object (checked
// ops, keys, linearizable, anomaly counts); then it re-judges the verdict
// (Judge, JudgeExpect when report.json records the expectations,
// HistoryCheck.Judge) and compares it with report.json's
// (CompareVerdict). Scenarios that did not run to their end (error,
// interrupted, skip) are not audited.
func ScenarioAt(dir string, s reports.ScenarioResult) Result {
	res := Result{Dir: dir, Reported: s.Verdict.Status}
	switch s.Verdict.Status {
	case reports.StatusError, reports.StatusInterrupted, reports.StatusSkip:
		res.NotAudited = fmt.Sprintf("not audited: the scenario's status is %s", s.Verdict.Status)
		return res
	}
	if noFinalRead(res.Dir) {
		// Only the verdict can be checked: no final read, no figures.
		res.Verdict = Verdict{Status: reports.StatusInvalid, Reasons: []Reason{{RuleFinalRead,
			fmt.Sprintf("invalid: the evidence has no final read (%s)", reports.FileFinalRead)}}}
		res.Status, res.Diffs = CompareVerdict(s, res.Verdict, Figures{Violations: -1}, Scope{})
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
	d = append(d, recheckArchives(res.Dir, s.Archives)...)
	res.Verdict = Judge(f, s.Thresholds)

	var sc Scope
	rec, err := ReadRecord(res.Dir)
	switch {
	case err != nil:
		d = append(d, "cannot re-judge the expectations: "+err.Error())
	case s.Expect != nil:
		sc.Expect, sc.Readmit = true, rec.Readmit
		if res.Verdict.Status != reports.StatusInvalid {
			res.Verdict.add(res.expectations(f, &rec, *s.Expect, &d))
		}
	}
	h, hd := recheckHistory(res.Dir, s.History)
	d = append(d, hd...)
	if h != nil {
		res.History, sc.History = &h.Result, true
		tolerate := s.History.Tolerated
		if s.Expect != nil {
			tolerate = s.Expect.Tolerate
		}
		if res.Verdict.Status != reports.StatusInvalid {
			res.Verdict.add(h.Judge(tolerate, f))
		}
	}

	var vd []string
	res.Status, vd = CompareVerdict(s, res.Verdict, f, sc)
	res.Diffs = append(vd, d...)
	return res
}

// expectations judges exp (JudgeExpect), reading the ledger's acked
// times first when the loss bound needs them (a failure is added to d).
func (r Result) expectations(f Figures, rec *Record, exp reports.Expect, d *[]string) []Reason {
	if exp.Loss == LossWithinBackupWindow && f.Lost > 0 {
		if err := rec.readAckedAt(r.Dir); err != nil {
			*d = append(*d, "cannot re-judge the loss bound: "+err.Error())
			return nil
		}
	}
	return JudgeExpect(f, *rec, exp)
}

// recheckHistory re-runs the history check on history.jsonl of dir when
// report.json records one (rep) and compares the two. It returns the
// re-check (nil when there is none) and the disagreements: a history
// object without history.jsonl, or a history.jsonl holding the final
// reads of a checked history without a history object.
func recheckHistory(dir string, rep *reports.History) (*HistoryCheck, []string) {
	ops, found, err := readHistory(dir)
	switch {
	case err != nil:
		return nil, []string{"cannot re-check the history: " + err.Error()}
	case rep == nil && found && hasFinalReads(ops):
		return nil, []string{fmt.Sprintf("history: %s holds the final reads of a checked history, report.json records no history check", history.FileName)}
	case rep == nil:
		return nil, nil
	case !found:
		return nil, []string{fmt.Sprintf("history: report.json records a history check (%d ops on %d keys), the evidence has no %s",
			rep.CheckedOps, rep.Keys, history.FileName)}
	}
	h, err := CheckHistory(context.Background(), ops)
	if err != nil {
		return nil, []string{"cannot re-check the history: " + err.Error()}
	}
	return h, h.Compare(rep)
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
