package explore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// evidenceOf builds the evidence of a run of sample() that went well.
func evidenceOf(t0 time.Time) session.Evidence {
	ev := session.Evidence{T0: t0, AckedBeforeFault: 500, FinalReadDone: true}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ev.Steps = []session.StepRecord{
		{ID: "f1", Action: "fault", Start: at(0), End: at(10 * time.Millisecond)},
		{ID: "f2", Action: "fault", Start: at(time.Second), End: at(time.Second)},
		{ID: "recover-1", Action: "recover", Start: at(time.Second), End: at(3 * time.Second)},
		{ID: "converge-1", Action: "verify", Start: at(3 * time.Second), End: at(6 * time.Second)},
		{ID: "f3", Action: "fault", Start: at(8 * time.Second), End: at(8 * time.Second)},
		{ID: "recover-2", Action: "recover", Start: at(8 * time.Second), End: at(9 * time.Second)},
		{ID: "converge-2", Action: "verify", Start: at(9 * time.Second), End: at(11 * time.Second)},
	}
	ev.Faults = []fault.Record{
		{Name: "kill", Start: at(0), End: at(3 * time.Second)},
		{Name: "pause", Start: at(time.Second), End: at(5 * time.Second)},
		{Name: "pause", Start: at(8 * time.Second), End: at(10 * time.Second)},
	}
	return ev
}

func TestCheckCleanRun(t *testing.T) {
	br, err := Check(evidenceOf(time.Now()), sample())
	if err != nil || len(br) != 0 {
		t.Fatalf("breaks %+v, err %v", br, err)
	}
}

func TestCheckLostWriteIsBlamedAndAllowLossTolerates(t *testing.T) {
	t0 := time.Now()
	ev := evidenceOf(t0)
	lost := t0.Add(8500 * time.Millisecond)
	ev.FinalRead = workload.Check{Lost: 1, LostKeys: []workload.LostKey{{Key: "k", Complete: lost, Missing: true}}, OldestLost: lost, NewestLost: lost}
	s := sample()
	br, err := Check(ev, s)
	if err != nil || len(br) != 1 || br[0].Invariant != InvLostWrite || br[0].Event != "f3" || len(br[0].LostKeys) != 1 {
		t.Fatalf("breaks %+v, err %v", br, err)
	}
	s.AllowLoss = Duration(time.Second)
	if br, _ := Check(ev, s); len(br) != 0 {
		t.Fatalf("--allow-loss 1s: breaks %+v", br)
	}
	s.AllowLoss = 0
	ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", BackupID: "b1"}}
	ev.Catalog = []session.CatalogEntry{{ID: "b1", Time: t0.Add(-time.Second), Verified: true}}
	if br, _ := Check(ev, s); len(br) != 0 {
		t.Fatalf("loss after the restored backup's point: breaks %+v", br)
	}
	ev.Catalog[0].Time = t0.Add(9 * time.Second)
	if br, _ := Check(ev, s); len(br) != 1 {
		t.Fatalf("loss before the restored backup's point: breaks %+v", br)
	}
}

func TestCheckSplitBrainConvergenceAndBackups(t *testing.T) {
	t0 := time.Now()
	ev := evidenceOf(t0)
	v := session.Violation{At: t0.Add(1500 * time.Millisecond), Kind: "split-brain", Slot: 42, Nodes: []string{"a", "b"}, Detail: "both took a write"}
	later := v
	later.At = v.At.Add(100 * time.Millisecond)
	ev.Watch.Violations = []session.Violation{v, later}
	ev.Steps[6].End = t0.Add(45 * time.Second) // converged 35 s after the last heal
	ev.Steps[5].Err = errors.New("not ready within 1m0s of the fault: timeout")
	ev.Steps[5].Error = ev.Steps[5].Err.Error()
	ev.Steps[2].Err = errors.Join(recovery.ErrNoFailure)
	ev.Steps[2].Error = ev.Steps[2].Err.Error()
	ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", BackupID: "b1"}}
	ev.Catalog = []session.CatalogEntry{{ID: "b1", Verified: false, Problems: []string{"sha256 mismatch"}}}
	br, err := Check(ev, sample())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range br {
		got = append(got, b.Invariant+"/"+b.Event)
	}
	want := "split-brain/f2 backup-verifies/ convergence/f3 convergence/f3"
	if strings.Join(got, " ") != want {
		t.Fatalf("breaks %v, want %s", got, want)
	}
	if br[0].Count != 2 || !br[0].At.Equal(v.At) {
		t.Fatalf("one violation confirmed twice is one break: %+v", br[0])
	}
}

func TestCheckRefusesRunsThatProveNothing(t *testing.T) {
	ev := evidenceOf(time.Now())
	ev.AckedBeforeFault = 3
	if _, err := Check(ev, sample()); err == nil {
		t.Fatal("too little traffic accepted")
	}
	ev = evidenceOf(time.Now())
	ev.Error = "inject kill: boom"
	if _, err := Check(ev, sample()); err == nil {
		t.Fatal("a run error accepted")
	}
}

func TestCheckCounterAndExpiryAnomalies(t *testing.T) {
	t0 := time.Now()
	ev := evidenceOf(t0)
	at := t0.Add(8500 * time.Millisecond)
	ev.FinalRead = workload.Check{
		Lost: 1, LostKeys: []workload.LostKey{{Key: "c", Complete: at}}, OldestLost: at, NewestLost: at,
		CounterBackwards: 1, ExpiredReturned: 2,
		Anomalies: []workload.Anomaly{
			{Kind: workload.AnomalyCounterBackwards, Key: "c", At: at, Detail: "INCR acked with 7, the counter reads 5"},
			{Kind: workload.AnomalyExpiredReturned, Key: "t1", At: t0.Add(time.Second), Detail: "expired"},
			{Kind: workload.AnomalyExpiredReturned, Key: "t2", At: t0.Add(time.Second), Detail: "expired"},
		},
	}
	br, err := Check(ev, sample())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Break{}
	for _, b := range br {
		got[b.Invariant] = b
	}
	if b := got[InvCounter]; b.Anomaly == nil || b.Event != "f3" || !strings.Contains(b.Detail, "1 in all") {
		t.Errorf("counter break %+v", b)
	}
	if b := got[InvExpired]; b.Count != 2 || !strings.Contains(b.Detail, "2 in all, the first t1") {
		t.Errorf("expiry break %+v", b)
	}
	// A restored backup tolerates the counter's loss, never an expired key's return.
	ev.Recoveries = []*recovery.Report{{Strategy: "restore-in-place", BackupID: "b1"}}
	ev.Catalog = []session.CatalogEntry{{ID: "b1", Time: t0, Verified: true}}
	br, _ = Check(ev, sample())
	if len(br) != 1 || br[0].Invariant != InvExpired {
		t.Errorf("after a restore: breaks %+v, want only %s", br, InvExpired)
	}
}
