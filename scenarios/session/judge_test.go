package session

import (
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/reports"
)

// goodEvidence is a run that passes: ready after 1 s, nothing lost.
func goodEvidence() Evidence {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rto := reports.Millis(time.Second)
	lost, minAcked := int64(0), int64(100)
	return Evidence{
		T0: t0, TReady: t0.Add(time.Second), Ready: true, RTO: rto,
		FirstFailure: t0.Add(10 * time.Millisecond), ClientOutage: reports.Millis(990 * time.Millisecond),
		Acked: 1000, AckedBeforeFault: 500, FinalReadDone: true,
		Faults:          []fault.Record{{Name: "kill", Start: t0, Params: &fault.Params{Target: fault.Target{Role: fault.RoleShardPrimary, Shard: 1}}}},
		PrimariesBefore: []string{"n0", "n1", "n2"}, PrimariesAfter: []string{"n0", "n4", "n2"},
		Thresholds: reports.Thresholds{RTOMax: &rto, AckedLostMax: &lost, MinAckedBeforeFault: &minAcked},
	}
}

func TestJudge(t *testing.T) {
	shard := 0
	cases := []struct {
		name   string
		exp    Expect
		plant  func(ev *Evidence)
		status reports.Status
		reason string
	}{
		{"clean run passes", Expect{Failover: true}, func(*Evidence) {}, reports.StatusPass, ""},
		{"deleted acked key", Expect{}, func(ev *Evidence) { ev.FinalRead.Lost, ev.FinalRead.LostMissing = 1, 1 }, reports.StatusFail, "acked_lost 1 > acked_lost_max 0"},
		{"wrong value", Expect{}, func(ev *Evidence) { ev.FinalRead.Lost, ev.FinalRead.LostWrongValue = 1, 1 }, reports.StatusFail, "acked_lost 1"},
		{"rto past its bound", Expect{}, func(ev *Evidence) {
			ev.RTO += reports.Millis(time.Millisecond)
			ev.TReady = ev.TReady.Add(time.Millisecond)
		}, reports.StatusFail, "> rto_max"},
		{"too little traffic", Expect{}, func(ev *Evidence) { ev.AckedBeforeFault = 99 }, reports.StatusInvalid, "only 99 acked writes"},
		{"min acked of 0 still needs traffic", Expect{}, func(ev *Evidence) {
			zero := int64(0)
			ev.Thresholds.MinAckedBeforeFault, ev.AckedBeforeFault = &zero, 0
		}, reports.StatusInvalid, "(< 100)"},
		{"no final read after heal", Expect{}, func(ev *Evidence) { ev.NotReadyAfterHeal = "cluster_state fail" }, reports.StatusInvalid, "never became ready after heal"},
		{"never ready", Expect{}, func(ev *Evidence) { ev.Ready, ev.TReady, ev.ClientOutage = false, time.Time{}, 0 }, reports.StatusFail, "never ready"},
		{"late clock", Expect{}, func(ev *Evidence) { ev.ClientOutage = ev.RTO + reports.Millis(151*time.Millisecond) }, reports.StatusFail, "clock:"},
		{"clock within tolerance", Expect{}, func(ev *Evidence) { ev.ClientOutage = ev.RTO + reports.Millis(150*time.Millisecond) }, reports.StatusPass, ""},
		{"native scenario without failover", Expect{Failover: true}, func(ev *Evidence) { ev.PrimariesAfter[1] = "n1" }, reports.StatusFail, "no failover happened"},
		{"wrong strategy", Expect{Strategy: "promote-replica"}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "restart-in-place", Verified: true}}
		}, reports.StatusFail, `strategy "restart-in-place", want "promote-replica"`},
		{"engine did nothing", Expect{Strategy: "promote-replica"}, func(*Evidence) {}, reports.StatusFail, "did not recover"},
		{"either accepted strategy", Expect{Strategy: "promote-replica|restore-in-place"}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", Verified: true}}
		}, reports.StatusPass, ""},
		{"neither accepted strategy", Expect{Strategy: "promote-replica|restore-in-place"}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "repair-aof", Verified: true}}
		}, reports.StatusFail, `strategy "repair-aof"`},
		{"no action expected, none taken", Expect{NoAction: true}, func(*Evidence) {}, reports.StatusPass, ""},
		{"no action expected, engine acted", Expect{NoAction: true}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "promote-replica", Node: "n0", Verified: true}}
		}, reports.StatusFail, "the engine acted (promote-replica on n0"},
		{"split brain seen by the watcher", Expect{}, func(ev *Evidence) {
			ev.Watch.Violations = []Violation{{Kind: "split-brain", Detail: "n0 and n3 both acknowledged a write for slot 7"}}
		}, reports.StatusFail, "split-brain at"},
		{"fenced node took a write", Expect{}, func(ev *Evidence) {
			ev.Watch.Violations = []Violation{{Kind: "fenced-write", Detail: "n0 acknowledged"}}
		}, reports.StatusFail, "fenced-write at"},
		{"fenced node came back as primary", Expect{}, func(ev *Evidence) { ev.Readmit = []string{"readmit n0: still claims its slots"} }, reports.StatusFail, "fence: readmit n0"},
		{"fence expected and readmitted", Expect{Fenced: true}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "promote-replica", Node: "n0", Verified: true}}
			ev.Fences = []recovery.Fence{{Node: "n0", Method: recovery.FenceKill, Returned: ev.T0.Add(3 * time.Second), Outcome: "replica of n3"}}
		}, reports.StatusPass, ""},
		{"fence expected, none set", Expect{Fenced: true}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "promote-replica", Node: "n0", Verified: true}}
		}, reports.StatusFail, "was not fenced"},
		{"fence expected, epoch only", Expect{Fenced: true}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "promote-replica", Node: "n0", Verified: true}}
			ev.Fences = []recovery.Fence{{Node: "n0", Method: recovery.FenceEpochOnly}}
		}, reports.StatusFail, "left to Redis's epochs"},
		{"fenced node never came back", Expect{Fenced: true}, func(ev *Evidence) {
			ev.Recoveries = []*recovery.Report{{Strategy: "promote-replica", Node: "n0", Verified: true}}
			ev.Fences = []recovery.Fence{{Node: "n0", Method: recovery.FenceKill}}
		}, reports.StatusFail, "did not come back as a replica"},
		{"older backup restored", Expect{}, func(ev *Evidence) {
			ev.Catalog = []CatalogEntry{
				{ID: "old", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-2 * time.Second), Verified: true},
				{ID: "new", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-time.Second), Verified: true},
			}
			ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", Verified: true, BackupID: "old"}}
		}, reports.StatusFail, "although the newer new"},
		{"older backup restored because the newer one does not verify", Expect{}, func(ev *Evidence) {
			ev.Catalog = []CatalogEntry{
				{ID: "old", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-2 * time.Second), Verified: true},
				{ID: "new", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-time.Second)},
			}
			ev.CorruptedBackup = "new"
			ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", Verified: true, BackupID: "old"}}
		}, reports.StatusPass, ""},
		{"loss before the restored backup", Expect{Loss: LossAfterBackup}, func(ev *Evidence) {
			ev.Thresholds.AckedLostMax = nil
			ev.Catalog = []CatalogEntry{{ID: "b", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-time.Second), Verified: true}}
			ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", Verified: true, BackupID: "b"}}
			ev.FinalRead.Lost, ev.FinalRead.OldestLost = 3, ev.T0.Add(-1001*time.Millisecond)
		}, reports.StatusFail, "before the restored backup b started"},
		{"loss after the restored backup", Expect{Loss: LossAfterBackup}, func(ev *Evidence) {
			ev.Thresholds.AckedLostMax = nil
			ev.Catalog = []CatalogEntry{{ID: "b", Kind: backup.KindLiveRDB, Shard: &shard, Time: ev.T0.Add(-time.Second), Verified: true}}
			ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", Verified: true, BackupID: "b"}}
			ev.FinalRead.Lost, ev.FinalRead.OldestLost = 3, ev.T0.Add(-999*time.Millisecond)
		}, reports.StatusPass, ""},
		{"loss before the point-in-time target", Expect{Loss: LossAfterTarget}, func(ev *Evidence) {
			ev.Thresholds.AckedLostMax = nil
			ev.PointInTimeBefore = time.Second
			ev.FinalRead.Lost, ev.FinalRead.OldestLost = 1, ev.T0.Add(-1001*time.Millisecond)
		}, reports.StatusFail, "point-in-time target"},
		{"loss before the fault", Expect{Loss: LossAfterFault}, func(ev *Evidence) {
			ev.Thresholds.AckedLostMax = nil
			ev.FinalRead.Lost, ev.FinalRead.OldestLost = 1, ev.T0.Add(-time.Second)
		}, reports.StatusFail, "before the fault began"},
		{"audit disagrees", Expect{}, func(ev *Evidence) { ev.Audit = []string{"rto: files say 1s"} }, reports.StatusError, "audit:"},
		{"failed step", Expect{}, func(ev *Evidence) {
			ev.Steps = []StepRecord{{Index: 2, Action: "verify", ID: "v", Error: "slots uncovered"}}
		}, reports.StatusFail, "step 3 verify v failed"},
		{"interrupted", Expect{}, func(ev *Evidence) { ev.Interrupted = true }, reports.StatusInterrupted, "interrupted"},
		{"drill error", Expect{}, func(ev *Evidence) { ev.Error = "start deployment: boom" }, reports.StatusError, "boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := goodEvidence()
			c.plant(&ev)
			v := Judge(ev, c.exp)
			if v.Status != c.status || !strings.Contains(strings.Join(v.Reasons, ";"), c.reason) {
				t.Fatalf("Judge = %s %v; want %s with %q", v.Status, v.Reasons, c.status, c.reason)
			}
		})
	}
}

func TestThresholdsMergeOnce(t *testing.T) {
	own := reports.Thresholds{}
	lost := int64(3)
	own.AckedLostMax = &lost
	rto := reports.YAMLDuration(2 * time.Second)
	zero := reports.YAMLCount(0)
	file := &reports.ThresholdConfig{Labels: map[string]reports.Limits{"recovery": {RTOMax: &rto, MinAckedBeforeFault: &zero}}}
	th := Thresholds(own, file, "x", []string{"recovery"}, time.Minute)
	if th.RTOMax == nil || th.RTOMax.D() != 2*time.Second {
		t.Errorf("rto_max %v, want the file's 2s", th.RTOMax)
	}
	if th.AckedLostMax == nil || *th.AckedLostMax != 3 {
		t.Errorf("acked_lost_max %v, want the plan's own 3", th.AckedLostMax)
	}
	if th.MinAckedBeforeFault == nil || *th.MinAckedBeforeFault < 1 {
		t.Errorf("min_acked_before_fault %v, want at least 1", th.MinAckedBeforeFault)
	}
	if th := Thresholds(reports.Thresholds{}, nil, "x", nil, time.Minute); th.RTOMax == nil || th.RTOMax.D() != time.Minute {
		t.Errorf("rto_max %v, want the RTO timeout", th.RTOMax)
	}
}

func TestValidateTargets(t *testing.T) {
	base := Plan{Name: "p", Steps: []Step{{Fault: &FaultStep{Name: "kill"}}, {Recover: RecoverNative}}}
	base.Topology = rediskit.DefaultCluster()
	base.Topology.Primaries, base.Topology.Replicas = 3, 1
	for target, want := range map[string]string{
		"shard-primary:9": "has 3 shard(s)",
		"shard:3":         "has 3 shard(s)",
		"node:nosuch":     "no such node",
		"node:n6":         "no such node",
		"node:n5":         "",
		"replica":         "",
	} {
		p := base
		p.Steps = append([]Step(nil), base.Steps...)
		tg, err := fault.ParseTarget(target)
		if err != nil {
			t.Fatal(err)
		}
		p.Steps[0] = Step{Fault: &FaultStep{Name: "kill", Params: fault.Params{Target: tg}}}
		err = p.Validate()
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("target %s: Validate = %v, want %q", target, err, want)
		}
	}
}

func TestFirstSharedSlot(t *testing.T) {
	for _, tc := range []struct {
		a, b [][2]int
		want int
		ok   bool
	}{
		{[][2]int{{0, 5460}}, [][2]int{{5461, 10922}}, 0, false},
		{[][2]int{{0, 5460}}, [][2]int{{100, 200}}, 100, true},
		{[][2]int{{0, 10}, {300, 400}}, [][2]int{{350, 500}, {5, 7}}, 5, true},
	} {
		got, ok := firstSharedSlot(tc.a, tc.b)
		if got != tc.want || ok != tc.ok {
			t.Errorf("firstSharedSlot(%v, %v) = %d, %v; want %d, %v", tc.a, tc.b, got, ok, tc.want, tc.ok)
		}
	}
}
