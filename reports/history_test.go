package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestHistoryRenders: a scenario's history check shows in every format:
// its counts and example in summary.md, the verdict and a link to the
// visualisation inside the scenario's evidence folder in report.html, the
// counts in JUnit, and linearizable as true / false / "unknown" in JSON.
func TestHistoryRenders(t *testing.T) {
	run := fixtureRun(t)
	s := &run.Scenarios[0]
	s.Artifacts.Dir = "some-scenario"
	s.History = &History{CheckedOps: 1506, Keys: 70, Linearizable: False,
		Anomalies:      map[string]int{"lost-write": 3, "stale-read": 1},
		Tolerated:      []string{"lost-write"},
		Examples:       []string{"stale-read on key k1 at 10:00:00.123: read by client 1 (seq 2) returned an overwritten value"},
		Visualizations: map[string]string{"k1": "history/k1.html"}}
	var md, html, junit bytes.Buffer
	if err := WriteMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&junit, run); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"summary.md":  {"What clients saw", "| 1506 | false | lost-write 3, stale-read 1 | lost-write |", "stale-read on key k1 at 10:00:00.123"},
		"report.html": {"What clients saw", `href="some-scenario/history/k1.html"`, "lost-write 3, stale-read 1"},
		"junit.xml":   {`name="history_checked_ops" value="1506"`, `name="history_linearizable" value="false"`, `name="history_anomalies" value="lost-write 3, stale-read 1"`},
	} {
		out := map[string]string{"summary.md": md.String(), "report.html": html.String(), "junit.xml": junit.String()}[name]
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	for _, c := range []struct {
		t    Tristate
		json string
	}{{True, "true"}, {False, "false"}, {Unknown, `"unknown"`}} {
		b, err := json.Marshal(c.t)
		if err != nil || string(b) != c.json {
			t.Errorf("marshal %s = %s, %v", c.t, b, err)
		}
		var back Tristate
		if err := json.Unmarshal(b, &back); err != nil || back != c.t {
			t.Errorf("unmarshal %s = %s, %v", b, back, err)
		}
	}
	var bad Tristate
	if err := json.Unmarshal([]byte(`"maybe"`), &bad); err == nil {
		t.Error(`"maybe" read as a tristate`)
	}
}
