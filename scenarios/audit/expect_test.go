package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// TestJudgeExpect re-judges each expectation from a Record and figures
// written by hand: one case per rule, broken and kept.
func TestJudgeExpect(t *testing.T) {
	promoted := []Recovery{{Strategy: "promote-replica", Incident: "primary-down", Node: "n0", Event: "down", Verified: true}}
	lost := func(acked ...time.Duration) Figures {
		f := Figures{T0: t0, Ready: true, TReady: t0.Add(time.Second), Lost: len(acked)}
		for i, d := range acked {
			f.LostWrites = append(f.LostWrites, LostWrite{Key: fmt.Sprintf("k%d", i), Acked: t0.Add(d)})
		}
		return f
	}
	catalog := []Backup{{ID: "old", Time: t0.Add(-3 * time.Second), Verified: true}, {ID: "b", Time: t0.Add(-time.Second), Verified: true}}
	restoredB := []Recovery{{Strategy: "restore-in-place", Verified: true, BackupID: "b"}}
	cases := []struct {
		name string
		f    Figures
		rec  Record
		exp  reports.Expect
		want string // "" = no reason
	}{
		{"strategy and incident kept", lost(), Record{Recoveries: promoted}, reports.Expect{Strategy: "restart-in-place|promote-replica", Incident: "primary-down"}, ""},
		{"strategy", lost(), Record{Recoveries: promoted}, reports.Expect{Strategy: "restart-in-place"}, `strategy: strategy "promote-replica", want "restart-in-place"`},
		{"incident", lost(), Record{Recoveries: promoted}, reports.Expect{Incident: "accidental-flush"}, `incident: incident "primary-down", want "accidental-flush"`},
		{"nothing recovered", lost(), Record{}, reports.Expect{Strategy: "promote-replica"}, "recovered: the engine did not recover anything"},
		{"not verified", lost(), Record{Recoveries: []Recovery{{Strategy: "promote-replica"}}}, reports.Expect{}, "engine verification: recovery 1 (promote-replica) did not pass"},
		{"no action kept", lost(), Record{}, reports.Expect{NoAction: true}, ""},
		{"no action broken", lost(), Record{Recoveries: promoted}, reports.Expect{NoAction: true}, "no action: the engine acted (promote-replica on n0: down) where it must not"},
		{"after-fault kept", lost(-ReplicationAllowance), Record{}, reports.Expect{Loss: LossAfterFault}, ""},
		{"after-fault broken", lost(-ReplicationAllowance - 1), Record{}, reports.Expect{Loss: LossAfterFault}, "loss bound: loss: a write acked at 09:59:59.949 was lost (key k0), before the fault began"},
		{"after-fault, but lost after t_ready", lost(-time.Second, 2*time.Second), Record{}, reports.Expect{Loss: LossAfterFault}, ""},
		{"after-target kept", lost(-time.Second), Record{PointInTimeBefore: 1500 * ms}, reports.Expect{Loss: LossAfterTarget}, ""},
		{"after-target broken", lost(-2500 * ms), Record{PointInTimeBefore: 1500 * ms}, reports.Expect{Loss: LossAfterTarget}, "before the point-in-time target second (09:59:58.000)"},
		{"after-backup kept", lost(-time.Second), Record{Recoveries: restoredB, Catalog: catalog}, reports.Expect{Loss: LossAfterBackup}, ""},
		{"after-backup broken", lost(-time.Second - 1), Record{Recoveries: restoredB, Catalog: catalog}, reports.Expect{Loss: LossAfterBackup}, "before the restored backup b started (09:59:59.000)"},
		{"after-backup without a backup", lost(-time.Second), Record{Recoveries: promoted, Catalog: catalog}, reports.Expect{Loss: LossAfterBackup}, "no restored backup in its catalog"},
		{"after-backup, backup not in the catalog", lost(-time.Second), Record{Recoveries: restoredB}, reports.Expect{Loss: LossAfterBackup}, "no restored backup in its catalog"},
		{"backup window kept", lost(-ms, -ms), Record{Catalog: catalog, AckedAt: []time.Time{t0.Add(-2 * time.Second), t0.Add(-time.Second), t0.Add(-ms)}}, reports.Expect{Loss: LossWithinBackupWindow}, ""},
		{"backup window broken", lost(-ms, -ms, -ms), Record{Catalog: catalog, AckedAt: []time.Time{t0.Add(-time.Second), t0.Add(-ms), t0.Add(ms)}}, reports.Expect{Loss: LossWithinBackupWindow}, "loss: 3 acked writes lost, more than the 2 acked between the newest verified backup (09:59:59.000) and the fault"},
		{"backup window, no backup verifies", lost(-ms), Record{Catalog: []Backup{{ID: "x", Time: t0}}}, reports.Expect{Loss: LossWithinBackupWindow}, "no backup verifies"},
		{"unknown bound", lost(-ms), Record{}, reports.Expect{Loss: "after-lunch"}, `names the loss bound "after-lunch"`},
		{"failover kept", lost(), Record{PrimariesBefore: []string{"n0", "n1"}, PrimariesAfter: []string{"n3", "n1"}}, reports.Expect{Failover: true}, ""},
		{"failover broken", lost(), Record{PrimariesBefore: []string{"n0", "n1"}, PrimariesAfter: []string{"n0", "n1"}}, reports.Expect{Failover: true}, "failover: shard 0 still has its old primary n0"},
		{"failover unknown", lost(), Record{}, reports.Expect{Failover: true}, "cannot tell shard 0's primary"},
		{"fence kept", lost(), Record{Recoveries: promoted, Fences: []Fence{{Node: "n0", Method: "kill", Returned: t0.Add(time.Second)}}}, reports.Expect{Fenced: true}, ""},
		{"fence, retired", lost(), Record{Recoveries: promoted, Fences: []Fence{{Node: "n0", Method: "kill", Outcome: "stays out: retired"}}}, reports.Expect{Fenced: true}, ""},
		{"fence, epoch only", lost(), Record{Recoveries: promoted, Fences: []Fence{{Node: "n0", Method: fenceEpochOnly, Detail: "silent"}}}, reports.Expect{Fenced: true}, "fence: n0 was left to Redis's epochs (silent)"},
		{"fence, not back", lost(), Record{Recoveries: promoted, Fences: []Fence{{Node: "n0", Method: "kill", Outcome: "down"}}}, reports.Expect{Fenced: true}, `fence: n0 (kill) did not come back as a replica: "down"`},
		{"fence, none", lost(), Record{Recoveries: promoted, Fences: []Fence{{Node: "n9", Method: "kill"}}}, reports.Expect{Fenced: true}, "fence: the failed primary n0 was not fenced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := JudgeExpect(c.f, c.rec, c.exp)
			var got []string
			for _, x := range r {
				got = append(got, x.Rule+": "+x.Text)
			}
			switch {
			case c.want == "" && len(r) > 0:
				t.Errorf("reasons %q, want none", got)
			case c.want != "" && (len(r) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("reasons %q, want one with %q", got, c.want)
			}
		})
	}
}

// TestScenarioExpect re-judges the expectations report.json records from
// measurement.json: a broken one the report passes is a disagreement, a
// reason the evidence does not bear out is one too, and what the audit
// cannot judge (a node not readmitted, a report without expect) is
// carried over.
func TestScenarioExpect(t *testing.T) {
	measurement := func(recovery, extra string) string {
		return fmt.Sprintf(`{"t0":%q,"measured_until":%q,"recoveries":[{"detected_at":%q,%s}]%s}`,
			at(0), at(2*time.Second), at(5*ms), recovery, extra)
	}
	promoted := `"strategy":"promote-replica","incident":"primary-down","node":"n0","verified":true`
	cases := []struct {
		name        string
		measurement string
		edit        func(s *reports.ScenarioResult)
		status      reports.Status
		want        []string
	}{
		{"kept", measurement(promoted, `,"primaries_before":["n0"],"primaries_after":["n3"]`),
			func(s *reports.ScenarioResult) {
				s.Expect = &reports.Expect{Strategy: "promote-replica", Incident: "primary-down", Failover: true}
			}, reports.StatusPass, nil},
		{"strategy broken, report.json passes", measurement(promoted, ""),
			func(s *reports.ScenarioResult) { s.Expect = &reports.Expect{Strategy: "restart-in-place"} },
			reports.StatusFail, []string{`verdict: the evidence fails on strategy (strategy "promote-replica", want "restart-in-place"), report.json (pass) does not`}},
		{"report.json fails on a strategy the evidence keeps", measurement(promoted, ""),
			func(s *reports.ScenarioResult) {
				s.Expect = &reports.Expect{Strategy: "promote-replica"}
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{`strategy "restart-in-place", want "promote-replica"`}}
			}, reports.StatusPass, []string{`verdict: report.json fails on strategy (strategy "restart-in-place", want "promote-replica"), the evidence does not (measurement.json meets the expectation)`}},
		{"failover broken", measurement(promoted, `,"primaries_before":["n0","n1"],"primaries_after":["n3","n1"],"faults":[{"name":"kill","params":{"target":"shard-primary:1"}}]`),
			func(s *reports.ScenarioResult) { s.Expect = &reports.Expect{Failover: true} },
			reports.StatusFail, []string{"fails on failover (failover: shard 1 still has its old primary n1: no failover happened)"}},
		{"loss bound broken", measurement(promoted, ""),
			func(s *reports.ScenarioResult) {
				s.Expect = &reports.Expect{Loss: LossAfterFault}
				s.Loss = reports.Loss{Acked: 3, Lost: 1, Window: reports.Millis(990 * ms)}
				s.Thresholds.AckedLostMax = nil
			}, reports.StatusFail, []string{"fails on loss bound (loss: a write acked at 09:59:59.010 was lost (key k2), before the fault began (less the replication allowance) (09:59:59.950))"}},
		{"not readmitted: carried over", measurement(promoted, `,"readmit":["readmit n0: still claims its slots"]`),
			func(s *reports.ScenarioResult) {
				s.Expect = &reports.Expect{}
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{"fence: readmit n0: still claims its slots"}}
			}, reports.StatusFail, nil},
		{"older report: expectations carried over", measurement(`"strategy":"restart-in-place","verified":false`, ""),
			func(s *reports.ScenarioResult) {
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{`strategy "restart-in-place", want "promote-replica"`}}
			}, reports.StatusFail, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, s := cleanRun(), cleanReport()
			e.measurement = c.measurement
			if c.name == "loss bound broken" {
				e.finalRead[1] = missing("k2")
			}
			c.edit(&s)
			r := auditOne(t, writeOut(t, e, s))
			if r.Status != c.status {
				t.Errorf("audit status %s, want %s (%+v)", r.Status, c.status, r.Verdict)
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
