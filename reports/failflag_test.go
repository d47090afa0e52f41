package reports

import (
	"strings"
	"testing"
)

// TestMarkdownNamesFailFlags: a FAIL flag the engine observed is listed
// under its scenario; other observations are not.
func TestMarkdownNamesFailFlags(t *testing.T) {
	run := Run{Scenarios: []ScenarioResult{
		{Name: "rdb-bitflip-restore", Observations: []string{"refused-start: exit 1: bad file", "fail-flag: n1 saw n0 flagged FAIL from +5.2s to +12.3s after t0"}},
		{Name: "flushall-undo"},
	}}
	var b strings.Builder
	writeMarkdownFailFlags(&b, run)
	got := b.String()
	if !strings.Contains(got, "### FAIL flags Redis held") || !strings.Contains(got, "**rdb-bitflip-restore**: n1 saw n0 flagged FAIL") {
		t.Errorf("markdown lacks the FAIL flag:\n%s", got)
	}
	if strings.Contains(got, "refused-start") || strings.Contains(got, "flushall-undo") {
		t.Errorf("markdown lists more than FAIL flags:\n%s", got)
	}
	b.Reset()
	writeMarkdownFailFlags(&b, Run{Scenarios: []ScenarioResult{{Name: "x"}}})
	if b.String() != "" {
		t.Errorf("no FAIL flag, yet %q", b.String())
	}
}
