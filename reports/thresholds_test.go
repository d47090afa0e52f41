package reports

import (
	"strings"
	"testing"
	"time"
)

func TestThresholdPrecedence(t *testing.T) {
	cfg, err := ParseThresholds([]byte(`
defaults: {rto_max: 5s, acked_lost_max: 0, min_acked_before_fault: 100}
scenarios:
  primary-kill: {rto_max: 2s}
labels:
  corruption: {acked_lost_max: 500, rto_max: 10s}
  slow: {rto_max: 8s}
`))
	if err != nil {
		t.Fatal(err)
	}
	th := cfg.For("primary-kill", []string{"corruption"})
	if th.RTOMax.D() != 2*time.Second || *th.AckedLostMax != 500 || *th.MinAckedBeforeFault != 100 {
		t.Errorf("scenario>label>default broken: rto %v lost %d min %d", th.RTOMax.D(), *th.AckedLostMax, *th.MinAckedBeforeFault)
	}
	if th := cfg.For("other", []string{"slow", "corruption"}); th.RTOMax.D() != 8*time.Second {
		t.Errorf("strictest label should win: %v", th.RTOMax.D())
	}
	if th := cfg.For("other", nil); th.RTOMax.D() != 5*time.Second || th.DetectMax != nil {
		t.Errorf("defaults: %+v", th)
	}
}

func TestThresholdErrors(t *testing.T) {
	cases := map[string]struct {
		yaml string
		want []string
	}{
		"unknown field": {"defaults:\n  rto_max: 5s\nscenarios:\n  primary-kill: {rto_maxx: 2s}\n",
			[]string{"line 4, column 18", `unknown field "rto_maxx"`}},
		"unknown top-level": {"defaults: {rto_max: 5s}\nthreshold: {}\n",
			[]string{"line 2, column 1", `unknown field "threshold"`}},
		"duplicate key": {"defaults:\n  rto_max: 5s\n  rto_max: 3s\n",
			[]string{"line 3, column 3", `"rto_max" already defined`}},
		"bad duration": {"scenarios:\n  primary-kill:\n    rto_max: 2 seconds\n",
			[]string{"line 3, column 14", "$.scenarios.primary-kill.rto_max", `bad duration "2 seconds"`}},
		"bare number duration": {"defaults: {rto_max: 2}\n",
			[]string{"line 1, column 21", "$.defaults.rto_max", "want a duration"}},
		"negative count": {"defaults: {acked_lost_max: -1}\n",
			[]string{"line 1, column 28", "$.defaults.acked_lost_max", "non-negative integer"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseThresholds([]byte(tc.yaml))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestThresholdsFileAndEmpty(t *testing.T) {
	if _, err := LoadThresholds("testdata/thresholds.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadThresholds("testdata/nope.yaml"); err == nil {
		t.Fatal("missing file should fail")
	}
	cfg, err := ParseThresholds(nil)
	if err != nil || cfg.For("x", nil) != (Thresholds{}) {
		t.Fatalf("empty document: %v %+v", err, cfg)
	}
}

func TestEvaluate(t *testing.T) {
	run := fixtureRun(t)
	s := run.Scenarios[0]
	two := Millis(2 * time.Second)
	zero := int64(0)
	if v := evaluate(s, Thresholds{RTOMax: &two, AckedLostMax: &zero}); v.Status != StatusPass {
		t.Errorf("want pass, got %+v", v)
	}
	s.Loss.Lost = 12
	s.Ready = false
	v := evaluate(s, Thresholds{RTOMax: &two, AckedLostMax: &zero})
	if v.Status != StatusFail || len(v.Reasons) != 2 || v.Reasons[1] != "acked_lost 12 > acked_lost_max 0" {
		t.Errorf("want fail with 2 reasons, got %+v", v)
	}
}

func TestThresholdsRejectZeroMinAcked(t *testing.T) {
	for _, doc := range []string{
		"defaults: {min_acked_before_fault: 0}\n",
		"labels:\n  corruption: {min_acked_before_fault: 0}\n",
		"scenarios:\n  x: {min_acked_before_fault: 0}\n",
	} {
		if _, err := ParseThresholds([]byte(doc)); err == nil || !strings.Contains(err.Error(), "must be at least 1") {
			t.Errorf("ParseThresholds(%q) = %v, want a min_acked_before_fault error", doc, err)
		}
	}
}
