package main

import (
	"strings"
	"testing"
)

// TestReportGrid prints the committed standalone matrix's grid and refuses a
// single-server report with a one-line error.
func TestReportGrid(t *testing.T) {
	r := runCLI(t, nil, "report", "grid", "../../docs/runs/2026-12-07/standalone-servers")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "| Scenario | redis-8.0 8.0.2 |") || !strings.Contains(r.stdout, "| standalone-flushall-undo | ✅ pass · 505ms · 0 lost |") {
		t.Fatalf("grid of a matrix run: want exit 0 and the grid\n%s", r)
	}
	r = runCLI(t, nil, "report", "grid", "../../docs/runs/2026-12-07/quiet-1")
	if r.code == 0 || !strings.Contains(r.stderr, "ran on one server only") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("grid of a one-server run: want a one-line error\n%s", r)
	}
}
