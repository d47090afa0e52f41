package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCompareWithItself(t *testing.T) {
	run := fixtureRun(t)
	c := Compare(run, run, 0.1)
	if c.Regressed() || len(c.Scenarios) != 3 || len(c.OnlyOld)+len(c.OnlyNew) != 0 {
		t.Fatalf("self-compare: %+v", c)
	}
}

func TestComparePlantedRegressions(t *testing.T) {
	old := fixtureRun(t)
	newRun := fixtureRun(t)
	newRun.Scenarios[0].RTO += Millis(600 * time.Millisecond) // 1.868s → 2.468s: +32 %
	newRun.Scenarios[1].RTO += Millis(40 * time.Millisecond)  // noise, under 50 ms
	newRun.Scenarios[2].Loss.Lost++
	newRun.Scenarios = append(newRun.Scenarios, ScenarioResult{Name: "brand-new"})
	old.Scenarios = append(old.Scenarios, ScenarioResult{Name: "retired"})

	c := Compare(old, newRun, 0.1)
	// Two planted regressions plus "retired", missing in the new run.
	if c.Regressions != 3 || c.Missing() != 1 {
		t.Fatalf("want 3 regressions (1 missing), got %d (%d missing): %+v", c.Regressions, c.Missing(), c.Scenarios)
	}
	d := c.Scenarios[0]
	if !d.Regression || d.RTODelta.D() != 600*time.Millisecond || d.RTODeltaPct == nil || *d.RTODeltaPct < 32 || *d.RTODeltaPct > 32.2 {
		t.Errorf("rto regression delta: %+v", d)
	}
	if c.Scenarios[1].Regression {
		t.Errorf("sub-50ms change flagged: %+v", c.Scenarios[1])
	}
	if !c.Scenarios[2].Regression || c.Scenarios[2].LostDelta != 1 {
		t.Errorf("loss regression: %+v", c.Scenarios[2])
	}
	if len(c.OnlyNew) != 1 || c.OnlyNew[0] != "brand-new" || len(c.OnlyOld) != 1 || c.OnlyOld[0] != "retired" {
		t.Errorf("only-in lists: old %v new %v", c.OnlyOld, c.OnlyNew)
	}
	// With a generous allowance the RTO change is accepted.
	if Compare(old, newRun, 0.5).Scenarios[0].Regression {
		t.Error("+32% flagged with 50% allowed")
	}

	var text, md bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteComparisonMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REGRESSION primary-kill: rto 1.87s → 2.47s (+600ms, +32.1% > 10% allowed)", "new in NEW: brand-new", "REGRESSION missing in NEW: retired", "3 regression(s)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "## redisdrill comparison: 3 regressions") || !strings.Contains(md.String(), "| primary-kill | 1.87s | 2.47s | +600ms | +32.1% |") {
		t.Errorf("markdown:\n%s", md.String())
	}
	t.Logf("\n%s", text.String())
}
