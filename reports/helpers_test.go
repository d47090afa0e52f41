package reports

import (
	"path/filepath"
	"testing"
)

// fixtureRun loads testdata/run.json, the three-scenario fixture.
func fixtureRun(t *testing.T) Run {
	t.Helper()
	run, err := ReadRun(filepath.Join("testdata", "run.json"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	if len(run.Scenarios) != 3 {
		t.Fatalf("fixture has %d scenarios, want 3", len(run.Scenarios))
	}
	return run
}
