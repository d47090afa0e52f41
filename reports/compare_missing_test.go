package reports

import (
	"bytes"
	"strings"
	"testing"
)

// comparisonOutputs renders c in every output form.
func comparisonOutputs(t *testing.T, c Comparison) map[string]string {
	t.Helper()
	var text, md bytes.Buffer
	if err := WriteComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteComparisonMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"text": text.String(), "markdown": md.String()}
}

func TestCompareMissingScenarioRegresses(t *testing.T) {
	old := fixtureRun(t)
	newRun := fixtureRun(t)
	lost := newRun.Scenarios[1].Name
	newRun.Scenarios = append(newRun.Scenarios[:1], newRun.Scenarios[2:]...)

	c := Compare(old, newRun, 0.1)
	if !c.Regressed() || c.Regressions != 1 || c.Missing() != 1 || c.OnlyOld[0] != lost || c.NewEmpty {
		t.Fatalf("missing %s: %+v", lost, c)
	}
	for form, out := range comparisonOutputs(t, c) {
		if !strings.Contains(out, "missing in NEW: ") || !strings.Contains(out, lost) {
			t.Errorf("%s output does not name %s as missing:\n%s", form, lost, out)
		}
	}
	text := comparisonOutputs(t, c)["text"]
	if !strings.Contains(text, "REGRESSION missing in NEW: "+lost+"\n") {
		t.Errorf("text lacks the regression line:\n%s", text)
	}
	if md := comparisonOutputs(t, c)["markdown"]; !strings.Contains(md, "- ❌ missing in NEW: `"+lost+"`") {
		t.Errorf("markdown lacks the regression line:\n%s", md)
	}
}

func TestCompareNewScenarioDoesNotFail(t *testing.T) {
	old := fixtureRun(t)
	newRun := fixtureRun(t)
	newRun.Scenarios = append(newRun.Scenarios, ScenarioResult{Name: "brand-new"})
	c := Compare(old, newRun, 0.1)
	if c.Regressed() || len(c.OnlyNew) != 1 || c.OnlyNew[0] != "brand-new" {
		t.Fatalf("a new scenario failed the comparison: %+v", c)
	}
	for form, out := range comparisonOutputs(t, c) {
		if !strings.Contains(out, "new in NEW: ") || !strings.Contains(out, "brand-new") || strings.Contains(out, "missing in NEW: ") {
			t.Errorf("%s output:\n%s", form, out)
		}
	}
}

func TestCompareEmptyNewRegresses(t *testing.T) {
	old := fixtureRun(t)
	for name, base := range map[string]Run{"against a full run": old, "against an empty run": {}} {
		t.Run(name, func(t *testing.T) {
			c := Compare(base, Run{}, 0.1)
			if !c.Regressed() || !c.NewEmpty || c.Missing() != len(base.Scenarios) {
				t.Fatalf("empty NEW: %+v", c)
			}
			for form, out := range comparisonOutputs(t, c) {
				if !strings.Contains(out, "NEW has no scenarios") {
					t.Errorf("%s output lacks %q:\n%s", form, "NEW has no scenarios", out)
				}
				for _, s := range base.Scenarios {
					if !strings.Contains(out, "missing in NEW: ") || !strings.Contains(out, s.Name) {
						t.Errorf("%s output does not list %s as missing:\n%s", form, s.Name, out)
					}
				}
			}
		})
	}
	// An empty old run against a populated new one is not a failure.
	if c := Compare(Run{}, old, 0.1); c.Regressed() || len(c.OnlyNew) != len(old.Scenarios) {
		t.Fatalf("empty OLD: %+v", c)
	}
}
