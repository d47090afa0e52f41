package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// cleanRun is a passing scenario's evidence: two writes acked before the
// fault, a failed one during it, one acked after t_ready (t0+120ms); the
// probe fails from t0+10ms; the engine detected the fault at t0+5ms and
// promoted n0's replica.
func cleanRun() evidence {
	return evidence{
		until: 2 * time.Second,
		ledger: []string{
			opLine("k1", "n:0:1", "ok", -2000*ms, -1990*ms),
			opLine("k2", "n:0:2", "ok", -1000*ms, -990*ms),
			opLine("k3", "n:0:3", "fail", 20*ms, 30*ms),
			opLine("k4", "n:0:4", "ok", 1000*ms, 1010*ms),
		},
		probe: []string{
			tickLine(1, -100*ms, -95*ms, true),
			tickLine(2, 10*ms, 60*ms, false),
			tickLine(3, 110*ms, 120*ms, true),
			tickLine(4, 500*ms, 505*ms, true),
		},
		finalRead: []string{found("k1", "n:0:1"), found("k2", "n:0:2"), missing("k3"), found("k4", "n:0:4")},
		measurement: fmt.Sprintf(`{"t0":%q,"t_ready":%q,"measured_until":%q,"recoveries":[{"detected_at":%q,"strategy":"promote-replica","incident":"primary-down","node":"n0","verified":true}]}`,
			at(0), at(120*ms), at(2*time.Second), at(5*ms)),
	}
}

func millis(d time.Duration) *reports.Millis { m := reports.Millis(d); return &m }
func count(n int64) *int64                   { return &n }

// cleanReport is what the live path reports for cleanRun.
func cleanReport() reports.ScenarioResult {
	return reports.ScenarioResult{
		Name: "s1", T0: t0, Ready: true, RTO: reports.Millis(120 * ms), ClientOutage: reports.Millis(110 * ms),
		Detect: reports.Millis(5 * ms), AckedBeforeFault: 2,
		Loss:       reports.Loss{Acked: 3},
		Thresholds: reports.Thresholds{RTOMax: millis(time.Second), AckedLostMax: count(0), MinAckedBeforeFault: count(1)},
		Verdict:    reports.Verdict{Status: reports.StatusPass},
		Artifacts:  reports.Artifacts{Dir: "s1"},
	}
}

// writeOut writes an out folder: report.json with s, its evidence in <out>/s1.
func writeOut(t *testing.T, e evidence, s reports.ScenarioResult) string {
	t.Helper()
	out := t.TempDir()
	e.writeTo(t, filepath.Join(out, "s1"))
	writeReport(t, out, s)
	return out
}

func writeReport(t *testing.T, out string, s ...reports.ScenarioResult) {
	t.Helper()
	fh, err := os.Create(filepath.Join(out, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := reports.WriteJSON(fh, reports.Run{Scenarios: s}); err != nil {
		t.Fatal(err)
	}
}

// auditOne audits the one scenario of the out folder.
func auditOne(t *testing.T, out string) Result {
	t.Helper()
	_, res, err := Report(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	return res[0]
}

func TestScenarioAgrees(t *testing.T) {
	r := auditOne(t, writeOut(t, cleanRun(), cleanReport()))
	if !r.Agrees() || r.Status != reports.StatusPass || r.Reported != reports.StatusPass || !r.Recomputed {
		t.Fatalf("clean run: %+v", r)
	}
	f := r.Figures
	if f.RTO != 120*ms || f.Outage() != 110*ms || f.Detect != 5*ms || f.Acked != 3 || f.AckedBeforeFault != 2 {
		t.Errorf("figures: %+v", f)
	}
}

// TestScenarioPlantedLies plants one lie at a time in the evidence or in
// report.json; each must flip the audit to a disagreement that names the
// figure, and nothing else.
func TestScenarioPlantedLies(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(e *evidence, s *reports.ScenarioResult)
		status reports.Status // the audit's
		want   []string       // one substring per disagreement, in order
	}{
		{
			name: "lost write acked after t_ready, figures consistent",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.ledger = append(e.ledger, opLine("k5", "n:0:5", "ok", 1500*ms, 1501*ms))
				e.finalRead = append(e.finalRead, missing("k5"))
				s.Loss = reports.Loss{Acked: 4, Lost: 1, Window: reports.Millis(-1501 * ms)}
				s.Thresholds.AckedLostMax = nil
			},
			status: reports.StatusFail,
			want:   []string{"verdict: the evidence fails on loss after t_ready (loss: a write acked at 10:00:01.501, after t_ready 10:00:00.120, was lost (key k5)), report.json (pass) does not"},
		},
		{
			name: "lost write acked before t_ready, no loss limit",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.ledger = append(e.ledger, opLine("k5", "n:0:5", "ok", 100*ms, 119*ms))
				e.finalRead = append(e.finalRead, missing("k5"))
				s.Loss = reports.Loss{Acked: 4, Lost: 1, Window: reports.Millis(-119 * ms)}
				s.Thresholds.AckedLostMax = nil
			},
			status: reports.StatusPass,
		},
		{
			name:   "rto over rto_max",
			edit:   func(_ *evidence, s *reports.ScenarioResult) { s.Thresholds.RTOMax = millis(100 * ms) },
			status: reports.StatusFail,
			want:   []string{"the evidence fails on rto (rto 120ms > rto_max 100ms)"},
		},
		{
			name: "report.json fails on an rto the evidence keeps",
			edit: func(_ *evidence, s *reports.ScenarioResult) {
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{"rto 1.2s > rto_max 1s"}}
			},
			status: reports.StatusPass,
			want:   []string{"report.json fails on rto (rto 1.2s > rto_max 1s), the evidence does not (rto 120ms)"},
		},
		{
			name: "a reason the audit cannot judge is carried over",
			edit: func(_ *evidence, s *reports.ScenarioResult) {
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{`strategy "restart-in-place", want "promote-replica"`}}
			},
			status: reports.StatusFail,
		},
		{
			name:   "client outage",
			edit:   func(_ *evidence, s *reports.ScenarioResult) { s.ClientOutage = reports.Millis(50 * ms) },
			status: reports.StatusPass,
			want:   []string{"client outage: reported 50ms, recomputed 110ms"},
		},
		{
			name: "client outage within rounding",
			edit: func(_ *evidence, s *reports.ScenarioResult) {
				s.ClientOutage = reports.Millis(110*ms + 800*time.Microsecond)
			},
			status: reports.StatusPass,
		},
		{
			name: "oldest lost write",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.finalRead[1] = missing("k2")
				s.Loss = reports.Loss{Acked: 3, Lost: 1, Window: reports.Millis(500 * ms)}
				s.Thresholds.AckedLostMax = nil
			},
			status: reports.StatusPass,
			want:   []string{"oldest lost write: report.json's loss window 500ms puts it acked at 09:59:59.500, the evidence has it acked at 09:59:59.010 (key k2)"},
		},
		{
			name:   "too few acked before the fault",
			edit:   func(_ *evidence, s *reports.ScenarioResult) { s.Thresholds.MinAckedBeforeFault = count(3) },
			status: reports.StatusInvalid,
			want:   []string{"the evidence is invalid on acked before fault (invalid: only 2 acked writes before the fault (< 3))"},
		},
		{
			name:   "detect",
			edit:   func(_ *evidence, s *reports.ScenarioResult) { s.Detect = reports.Millis(50 * ms) },
			status: reports.StatusPass,
			want:   []string{"detect: reported 50ms, measurement.json's first recovery says 5ms"},
		},
		{
			name:   "detect over detect_max",
			edit:   func(_ *evidence, s *reports.ScenarioResult) { s.Thresholds.DetectMax = millis(time.Millisecond) },
			status: reports.StatusFail,
			want:   []string{"fails on detect (detect 5ms > detect_max 1ms)"},
		},
		{
			name: "never ready",
			edit: func(_ *evidence, s *reports.ScenarioResult) {
				s.Ready, s.RTO, s.ClientOutage = false, 0, 0
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{"never ready: not every shard accepted writes again within the RTO timeout"}}
			},
			status: reports.StatusPass,
			want:   []string{"report.json fails on ready (never ready", "ready: reported false, recomputed true", "client outage: reported 0s, recomputed 110ms"},
		},
		{
			name: "clock",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.probe[0] = tickLine(1, -400*ms, -395*ms, true)
				e.ledger = append(e.ledger, opLine("k6", "n:0:6", "fail", -300*ms, -290*ms))
				e.finalRead = append(e.finalRead, missing("k6"))
				s.ClientOutage = reports.Millis(420 * ms)
			},
			status: reports.StatusFail,
			want:   []string{"fails on client outage (clock: the client-visible outage 420ms (first failure at t0-300ms) exceeds the RTO 120ms by 300ms > 150ms)"},
		},
		{
			name: "write-safety violation report.json passes",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.watch = []string{fmt.Sprintf(`{"at":%q,"kind":"split-brain","detail":"both acknowledged"}`, at(ms))}
				s.WriteSafety.Violations = []string{"split-brain at 10:00:00.001: both acknowledged"}
			},
			status: reports.StatusFail,
			want:   []string{"fails on write safety (split-brain at 10:00:00.001: both acknowledged)"},
		},
		{
			name: "write-safety violation report.json fails on",
			edit: func(e *evidence, s *reports.ScenarioResult) {
				e.watch = []string{fmt.Sprintf(`{"at":%q,"kind":"split-brain","detail":"both acknowledged"}`, at(ms))}
				s.WriteSafety.Violations = []string{"split-brain at 10:00:00.001: both acknowledged"}
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: s.WriteSafety.Violations}
			},
			status: reports.StatusFail,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, s := cleanRun(), cleanReport()
			c.edit(&e, &s)
			r := auditOne(t, writeOut(t, e, s))
			if r.Status != c.status {
				t.Errorf("audit status %s, want %s", r.Status, c.status)
			}
			if len(r.Diffs) != len(c.want) {
				t.Fatalf("diffs %q, want %d like %q", r.Diffs, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(r.Diffs[i], w) {
					t.Errorf("diff %d = %q, want it to contain %q", i, r.Diffs[i], w)
				}
			}
		})
	}
}

// A lost write acknowledged exactly at t_ready breaks the rule; one a
// nanosecond before does not.
func TestLostAfterReadyBoundary(t *testing.T) {
	tReady := t0.Add(120 * ms)
	f := Figures{Ready: true, TReady: tReady, LostWrites: []LostWrite{
		{Key: "a", Acked: tReady.Add(-1)}, {Key: "b", Acked: tReady}, {Key: "c", Acked: tReady.Add(ms)},
	}}
	if w, n := f.LostAfterReady(); n != 2 || w.Key != "b" {
		t.Errorf("LostAfterReady = %+v, %d; want b, 2", w, n)
	}
	f.Ready = false
	if _, n := f.LostAfterReady(); n != 0 {
		t.Errorf("never ready: LostAfterReady counts %d", n)
	}
}

func TestScenarioNotJudgeable(t *testing.T) {
	t.Run("no final read", func(t *testing.T) {
		s := cleanReport()
		s.Verdict = reports.Verdict{Status: reports.StatusInvalid, Reasons: []string{"invalid: the final read did not complete: EOF"}}
		out := writeOut(t, cleanRun(), s)
		if err := os.Remove(filepath.Join(out, "s1", reports.FileFinalRead)); err != nil {
			t.Fatal(err)
		}
		if r := auditOne(t, out); !r.Agrees() || r.Status != reports.StatusInvalid || r.Recomputed {
			t.Errorf("invalid without a final read: %+v", r)
		}
		s.Verdict = reports.Verdict{Status: reports.StatusPass}
		writeReport(t, out, s)
		if r := auditOne(t, out); r.Agrees() || !strings.Contains(r.Diffs[0], "the evidence is invalid on final read") {
			t.Errorf("pass without a final read: %+v", r)
		}
	})
	t.Run("error", func(t *testing.T) {
		s := cleanReport()
		s.Verdict = reports.Verdict{Status: reports.StatusError, Reasons: []string{"error: docker went away"}}
		out := t.TempDir()
		writeReport(t, out, s)
		if r := auditOne(t, out); !r.Agrees() || r.NotAudited == "" {
			t.Errorf("error scenario: %+v", r)
		}
	})
	t.Run("evidence gone", func(t *testing.T) {
		out := t.TempDir()
		writeReport(t, out, cleanReport())
		r := auditOne(t, out)
		if r.Agrees() || !strings.HasPrefix(r.Diffs[0], "cannot recompute: read measurement: ") {
			t.Errorf("no evidence: %+v", r)
		}
	})
}

// TestReportMovedAndCopied writes an out folder as the CLI does, from an
// --out relative to the working directory, then audits it from elsewhere,
// moved, and copied: each audits the same, and a change planted in the
// copy is seen there while the original still agrees.
func TestReportMovedAndCopied(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	out := filepath.Join("out", "drill")
	cleanRun().writeTo(t, filepath.Join(out, "s1"))
	s := cleanReport()
	s.Artifacts = reports.Artifacts{Dir: filepath.Join(out, "s1"), Ledger: filepath.Join(out, "s1", reports.FileLedger)}
	if _, err := reports.WriteAll(out, reports.Run{Scenarios: []reports.ScenarioResult{s}}); err != nil {
		t.Fatal(err)
	}
	run, err := reports.ReadRun(filepath.Join(out, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	if a := run.Scenarios[0].Artifacts; a.Dir != "s1" || a.Ledger != "s1/"+reports.FileLedger {
		t.Fatalf("report.json records %+v, want paths relative to its folder", a)
	}

	t.Chdir(t.TempDir())
	moved := filepath.Join(t.TempDir(), "downloaded")
	if err := os.Rename(filepath.Join(work, out), moved); err != nil {
		t.Fatal(err)
	}
	if r := auditOne(t, moved); !r.Agrees() {
		t.Fatalf("moved: %q", r.Diffs)
	}
	cp := filepath.Join(t.TempDir(), "copy")
	copyTree(t, moved, cp)
	if r := auditOne(t, cp); !r.Agrees() || r.Dir != filepath.Join(cp, "s1") {
		t.Fatalf("copy: dir %s, %q", r.Dir, r.Diffs)
	}
	fr := filepath.Join(cp, "s1", reports.FileFinalRead)
	replaceIn(t, fr, found("k2", "n:0:2"), missing("k2"))
	if r := auditOne(t, cp); r.Agrees() || !strings.Contains(strings.Join(r.Diffs, "; "), "lost: reported 0, recomputed 1") {
		t.Errorf("planted loss in the copy: %q", r.Diffs)
	}
	replaceIn(t, fr, found("k1", "n:0:1")+"\n", "")
	if r := auditOne(t, cp); r.Agrees() || !strings.Contains(r.Diffs[0], `final read has no line for key "k1"`) {
		t.Errorf("deleted line in the copy: %q", r.Diffs)
	}
	if r := auditOne(t, moved); !r.Agrees() {
		t.Errorf("the original after planting in the copy: %q", r.Diffs)
	}

	// An older report.json recording an absolute path to the original:
	// its copy still reads its own files.
	s.Artifacts = reports.Artifacts{Dir: filepath.Join(moved, "s1")}
	writeReport(t, cp, s)
	if r := auditOne(t, cp); r.Agrees() || r.Dir != filepath.Join(cp, "s1") {
		t.Errorf("older report with an absolute path, copied: dir %s, %q", r.Dir, r.Diffs)
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "scenario")
	cleanRun().writeTo(t, scen)
	garbled := filepath.Join(dir, "garbled")
	empty := filepath.Join(dir, "empty")
	for _, d := range []string{garbled, empty} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(garbled, reports.FileJSON), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(reports.Run{Schema: reports.SchemaVersion})
	if err := os.WriteFile(filepath.Join(empty, reports.FileJSON), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "nowhere"): "open out folder: ",
		dir:                           "has no report.json: not a drill's out folder",
		scen:                          "is one scenario's evidence folder",
		garbled:                       "decode run",
		empty:                         "lists no scenario",
	} {
		_, _, err := Report(path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Report(%s) = %v, want one line with %q", path, err, want)
		}
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
