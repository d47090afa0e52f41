package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/reports"
)

// TestRecheckArchives checks that the lag figures are recomputed from the
// lag log and that an edited figure, or a missing log, is a difference.
func TestRecheckArchives(t *testing.T) {
	dir := t.TempDir()
	log := "1 10 1000\n2 20 3000\n3 30 2000\n"
	if err := os.WriteFile(filepath.Join(dir, "shard-0.lag"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	good := reports.Archive{LagFile: "shard-0.lag", LagSamples: 3, LagP50MS: 2, LagP99MS: 3, LagMaxMS: 3}
	if d := recheckArchives(dir, []reports.Archive{good}); len(d) != 0 {
		t.Fatalf("matching figures: got differences %v", d)
	}
	edited := good
	edited.LagP99MS = 1
	if d := recheckArchives(dir, []reports.Archive{edited}); len(d) != 1 || !strings.Contains(d[0], "p99") {
		t.Fatalf("edited p99: got %v", d)
	}
	missing := good
	missing.LagFile = "shard-9.lag"
	if d := recheckArchives(dir, []reports.Archive{missing}); len(d) != 1 {
		t.Fatalf("missing log: got %v", d)
	}
}
