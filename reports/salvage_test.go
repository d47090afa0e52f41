package reports

import (
	"bytes"
	"strings"
	"testing"
)

// A salvage shows beside the loss figures in report.html and in
// summary.md, with its damaged ranges and both checksums.
func TestSalvageShownInReports(t *testing.T) {
	run := fixtureRun(t)
	run.Scenarios[0].Salvage = []Salvage{{
		Method: "rdb-single-bit", File: "dump.rdb", Damaged: []string{"40213 (1 B)"},
		Kept: 1234, Unit: "keys", SHA256Before: strings.Repeat("ab", 32), SHA256After: strings.Repeat("cd", 32),
		Detail: "flipped byte 40213 bit 5 back",
	}}
	var html, md bytes.Buffer
	if err := WriteHTML(&html, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"html": html.String(), "markdown": md.String()} {
		for _, want := range []string{"rdb-single-bit", "40213 (1 B)", "1234 keys", "flipped byte 40213 bit 5 back", "abababababab"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(html.String(), strings.Repeat("cd", 32)) {
		t.Error("html report lacks the full sha256 after the salvage")
	}
}
