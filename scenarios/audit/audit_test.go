package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// The evidence below is written by hand, line by line, as the live path's
// writers lay it out; nothing from harness/workload is used.

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }

func opLine(key, tag, outcome string, invoke, complete time.Duration) string {
	return fmt.Sprintf(`{"client":0,"seq":1,"key":%q,"tag":%q,"invoke":%q,"complete":%q,"outcome":%q,"replicas":0}`,
		key, tag, at(invoke), at(complete), outcome)
}

func tickLine(seq int64, sent, done time.Duration, ok bool) string {
	d := `"0001-01-01T00:00:00Z"`
	if done != 0 {
		d = fmt.Sprintf("%q", at(done))
	}
	return fmt.Sprintf(`{"seq":%d,"at":%q,"done":%s,"ok":%t,"shards":[%t,true,true]}`, seq, at(sent), d, ok, ok)
}

func found(key, tag string) string { return fmt.Sprintf(`{"key":%q,"tag":%q}`, key, tag) }
func missing(key string) string    { return fmt.Sprintf(`{"key":%q,"missing":true}`, key) }

type evidence struct {
	until       time.Duration // measured_until − t0
	ledger      []string
	probe       []string
	finalRead   []string
	watch       []string // watch.jsonl lines; no file when nil
	history     []string // history.jsonl lines; no file when nil
	measurement string   // overrides the generated measurement.json when set
}

func (e evidence) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	e.writeTo(t, dir)
	return dir
}

// writeTo writes the evidence files into dir (created if missing).
func (e evidence) writeTo(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := e.measurement
	if m == "" {
		// Extra fields the audit must ignore (a wrong t_ready and figures).
		m = fmt.Sprintf(`{"t0":%q,"t_ready":%q,"ready":true,"measured_until":%q,"final_read":{"keys":1,"lost":99}}`,
			at(0), at(time.Hour), at(e.until))
	}
	files := map[string]string{
		reports.FileMeasurement: m,
		reports.FileLedger:      strings.Join(e.ledger, "\n") + "\n",
		reports.FileProbe:       strings.Join(e.probe, "\n") + "\n",
		reports.FileFinalRead:   strings.Join(e.finalRead, "\n") + "\n",
	}
	if e.watch != nil {
		files[reports.FileWatch] = strings.Join(e.watch, "\n") + "\n"
	}
	if e.history != nil {
		files["history.jsonl"] = strings.Join(e.history, "\n") + "\n"
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const ms = time.Millisecond

func TestRecomputeNoLoss(t *testing.T) {
	e := evidence{
		until: 5 * time.Second,
		ledger: []string{
			opLine("k1", "n:0:1", "ok", -2000*ms, -1990*ms),
			opLine("k2", "n:0:2", "ok", -1000*ms, -990*ms),
			opLine("k3", "n:0:3", "ok", 1000*ms, 1010*ms),
		},
		probe: []string{
			tickLine(1, -50*ms, -45*ms, true),
			tickLine(2, 0, 7*ms, true),
			tickLine(3, 50*ms, 58*ms, true),
		},
		finalRead: []string{found("k1", "n:0:1"), found("k2", "n:0:2"), found("k3", "n:0:3")},
	}
	f, err := Recompute(e.write(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Figures{
		T0: t0, TReady: t0.Add(7 * ms), Ready: true, RTO: 7 * ms,
		Acked: 3, AckedBeforeFault: 2,
		Violations: -1,
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("figures\n got %+v\nwant %+v", f, want)
	}
	if d := f.Compare(7*ms, true, 3, 2, 0); d != nil {
		t.Errorf("Compare: %v", d)
	}
}

// lossRun has every case of loss and an outage: a failed probe before t0,
// failures after it, ticks out of seq order in the file, a failed tick
// after measured_until and one that never finished.
func lossRun() evidence {
	return evidence{
		until: 2 * time.Second,
		ledger: []string{
			opLine("ka", "n:0:1", "ok", -3000*ms, -2999*ms),    // present
			opLine("kb", "n:0:2", "ok", -1500*ms, -1499*ms),    // deleted → lost, missing
			opLine("kc", "n:0:3", "ok", -1000*ms, -999*ms),     // other value → lost, wrong
			opLine("kd", "n:0:4", "fail", 100*ms, 101*ms),      // present → recovered
			opLine("ke", "n:0:5", "unknown", 200*ms, 700*ms),   // missing → not applied
			opLine("kf", "n:0:6", "unknown", 300*ms, 800*ms),   // present → recovered
			opLine("kg", "n:0:7", "ok", 1500*ms, 1501*ms),      // present
			opLine("kh", "n:0:8", "ok", -500*ms, -499*ms),      // deleted → lost, missing
			opLine("ki", "n:0:9", "ok", 1600*ms, 1600*ms+1*ms), // present
		},
		probe: []string{
			tickLine(1, -100*ms, -95*ms, true),
			tickLine(2, -50*ms, -40*ms, false), // before t0: FirstFailure only
			tickLine(3, 10*ms, 500*ms, false),
			tickLine(5, 560*ms, 1234567800, true), // t_ready: after the last failure
			tickLine(4, 510*ms, 550*ms, false),
			tickLine(6, 1300*ms, 1310*ms, true),
			tickLine(7, 2100*ms, 2150*ms, false), // after measured_until
			tickLine(8, 1900*ms, 0, false),       // never finished
		},
		finalRead: []string{
			found("ka", "n:0:1"), missing("kb"), found("kc", "n:0:77"), found("kd", "n:0:4"),
			missing("ke"), found("kf", "n:0:6"), found("kg", "n:0:7"), missing("kh"), found("ki", "n:0:9"),
		},
	}
}

func TestRecomputeLossAndOutage(t *testing.T) {
	run := lossRun()
	run.watch = []string{
		fmt.Sprintf(`{"at":%q,"node":"n0","reachable":true,"role":"master","slots":[[0,5460]],"cluster_state":"ok"}`, at(0)),
		fmt.Sprintf(`{"at":%q,"kind":"split-brain","slot":7,"nodes":["n0","n3"],"detail":"both acknowledged"}`, at(ms)),
	}
	f, err := Recompute(run.write(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := f.CompareSafety(0); len(d) != 1 || !strings.Contains(d[0], "reported 0, watch.jsonl has 1") {
		t.Errorf("CompareSafety(0) = %v", d)
	}
	if d := f.CompareSafety(1); d != nil {
		t.Errorf("CompareSafety(1) = %v", d)
	}
	tReady := t0.Add(1234567800)
	want := Figures{
		T0: t0, TReady: tReady, Ready: true, RTO: 1234567800,
		Acked: 6, AckedBeforeFault: 4,
		Lost: 3, LostMissing: 2, LostWrongValue: 1,
		Recovered:  2,
		OldestLost: t0.Add(-1499 * ms),
		LostKeys:   []string{"kb", "kc", "kh"},
		LostWrites: []LostWrite{
			{Key: "kb", Acked: t0.Add(-1499 * ms)},
			{Key: "kc", Acked: t0.Add(-999 * ms)},
			{Key: "kh", Acked: t0.Add(-499 * ms)},
		},
		FirstFailure:   t0.Add(-50 * ms),
		ClientOutage:   tReady.Sub(t0.Add(-50 * ms)),
		Violations:     1,
		ViolationTexts: []string{"split-brain at 10:00:00.001: both acknowledged"},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("figures\n got %+v\nwant %+v", f, want)
	}
	if d := f.Compare(1234*ms, true, 6, 4, 3); d != nil {
		t.Errorf("Compare with the right figures: %v", d)
	}
	d := f.Compare(1235*ms, true, 6, 3, 0)
	wantD := []string{
		"rto: reported 1.235s, recomputed 1.234s",
		"acked before fault: reported 3, recomputed 4",
		"lost: reported 0, recomputed 3",
	}
	if !reflect.DeepEqual(d, wantD) {
		t.Errorf("Compare = %q\nwant %q", d, wantD)
	}
	if d := f.Compare(0, false, 6, 4, 3); len(d) != 1 || !strings.HasPrefix(d[0], "ready:") {
		t.Errorf("Compare with ready=false = %q", d)
	}
}

// A failed tick before t0 does not move t_ready. It starts the outage when
// no probe round succeeded between it and t0 (the fault began before t0
// was stamped); followed by a successful round before t0, it was a
// separate disturbance and the outage starts later.
func TestRecomputeFailedProbeBeforeT0(t *testing.T) {
	cases := []struct {
		name   string
		probe  []string
		first  time.Duration // relative to t0; 0 = none
		outage time.Duration
	}{
		{
			name: "fails up to t0",
			probe: []string{
				tickLine(1, -120*ms, -110*ms, true),
				tickLine(2, -60*ms, -55*ms, false),
				tickLine(3, 20*ms, 33*ms, true),
				tickLine(4, 70*ms, 80*ms, true),
			},
			first: -60 * ms, outage: 93 * ms,
		},
		{
			name: "recovered before t0",
			probe: []string{
				tickLine(1, -120*ms, -110*ms, false),
				tickLine(2, -60*ms, -55*ms, true),
				tickLine(3, 20*ms, 33*ms, true),
				tickLine(4, 70*ms, 80*ms, true),
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := evidence{
				until:     time.Second,
				ledger:    []string{opLine("k1", "n:0:1", "ok", -900*ms, -899*ms)},
				finalRead: []string{found("k1", "n:0:1")},
				probe:     c.probe,
			}
			f, err := Recompute(e.write(t))
			if err != nil {
				t.Fatal(err)
			}
			if !f.Ready || !f.TReady.Equal(t0.Add(33*ms)) || f.RTO != 33*ms {
				t.Errorf("ready %t t_ready %v rto %v, want t0+33ms", f.Ready, f.TReady, f.RTO)
			}
			want := time.Time{}
			if c.first != 0 {
				want = t0.Add(c.first)
			}
			if !f.FirstFailure.Equal(want) || f.ClientOutage != c.outage {
				t.Errorf("first failure %v outage %v, want %v and %v", f.FirstFailure, f.ClientOutage, want, c.outage)
			}
		})
	}
}

// A write that failed before the last all-shard probe success before t0
// is not part of the fault's outage; one after it is.
func TestRecomputeFailedWriteBeforeT0(t *testing.T) {
	probe := []string{
		tickLine(1, -120*ms, -110*ms, true),
		tickLine(2, 20*ms, 33*ms, true),
	}
	for name, c := range map[string]struct {
		invoke time.Duration
		first  time.Duration
	}{
		"before the last success": {invoke: -300 * ms},
		"after the last success":  {invoke: -100 * ms, first: -100 * ms},
	} {
		t.Run(name, func(t *testing.T) {
			e := evidence{
				until: time.Second,
				ledger: []string{
					opLine("k1", "n:0:1", "ok", -900*ms, -899*ms),
					opLine("k2", "n:0:2", "fail", c.invoke, c.invoke+ms),
				},
				finalRead: []string{found("k1", "n:0:1"), missing("k2")},
				probe:     probe,
			}
			f, err := Recompute(e.write(t))
			if err != nil {
				t.Fatal(err)
			}
			want := time.Time{}
			if c.first != 0 {
				want = t0.Add(c.first)
			}
			if !f.FirstFailure.Equal(want) {
				t.Errorf("first failure %v, want %v", f.FirstFailure, want)
			}
		})
	}
}

func TestRecomputeNotReady(t *testing.T) {
	cases := map[string][]string{
		"last counted tick failed": {
			tickLine(1, 10*ms, 20*ms, true),
			tickLine(2, 60*ms, 70*ms, false),
			tickLine(3, 110*ms, 5*time.Second, true), // done after measured_until
		},
		"no tick at or after t0": {
			tickLine(1, -60*ms, -50*ms, true),
			tickLine(2, -10*ms, -5*ms, true),
		},
	}
	for name, probe := range cases {
		e := evidence{
			until:     time.Second,
			ledger:    []string{opLine("k1", "n:0:1", "unknown", 30*ms, 90*ms)},
			finalRead: []string{missing("k1")},
			probe:     probe,
		}
		f, err := Recompute(e.write(t))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Ready || !f.TReady.IsZero() || f.RTO != 0 || f.ClientOutage != 0 {
			t.Errorf("%s: %+v, want not ready", name, f)
		}
		if f.Recovered != 0 || f.Acked != 0 {
			t.Errorf("%s: recovered %d acked %d, want 0", name, f.Recovered, f.Acked)
		}
	}
}

func TestRecomputeMissingFinalReadLine(t *testing.T) {
	e := lossRun()
	e.finalRead = append(e.finalRead[:4:4], e.finalRead[5:]...) // drop ke
	_, err := Recompute(e.write(t))
	if err == nil || !strings.Contains(err.Error(), `"ke"`) {
		t.Fatalf("err = %v, want one naming key ke", err)
	}
}

func TestRecomputeBadLines(t *testing.T) {
	cases := []struct {
		name string
		edit func(*evidence)
		want string
	}{
		{"garbled ledger", func(e *evidence) { e.ledger[2] = `{"key":"kc","tag":` }, "read ledger: line 3: "},
		{"bad outcome", func(e *evidence) { e.ledger[0] = strings.Replace(e.ledger[0], `"ok"`, `"maybe"`, 1) }, "read ledger: line 1: "},
		{"garbled probe", func(e *evidence) { e.probe[4] = `not json` }, "read probe: line 5: "},
		{"garbled final read", func(e *evidence) { e.finalRead[1] = `{"key":` }, "read final read: line 2: "},
		{"duplicate final read", func(e *evidence) { e.finalRead[2] = missing("ka") }, "read final read: line 3: "},
		{"no t0", func(e *evidence) { e.measurement = fmt.Sprintf(`{"measured_until":%q}`, at(time.Second)) }, "no t0"},
		{"no measured_until", func(e *evidence) { e.measurement = fmt.Sprintf(`{"t0":%q}`, at(0)) }, "no measured_until"},
		{"garbled measurement", func(e *evidence) { e.measurement = `{"t0":` }, "read measurement: "},
	}
	for _, c := range cases {
		e := lossRun()
		c.edit(&e)
		_, err := Recompute(e.write(t))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", c.name, err)
		}
	}
}

func TestRecomputeMissingFile(t *testing.T) {
	for name, what := range map[string]string{
		reports.FileLedger:      "read ledger: ",
		reports.FileProbe:       "read probe: ",
		reports.FileFinalRead:   "read final read: ",
		reports.FileMeasurement: "read measurement: ",
	} {
		dir := lossRun().write(t)
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		_, err := Recompute(dir)
		if err == nil || !strings.HasPrefix(err.Error(), what) || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: err = %v", name, err)
		}
	}
}
