package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/rdb"
	"github.com/redisdrill/redisdrill/reports"
)

// writeRunReport writes run with reports.WriteAll into a fresh directory
// and returns the path of its report.json.
func writeRunReport(t *testing.T, run reports.Run) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := reports.WriteAll(dir, run); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, reports.FileJSON)
}

func TestCompareGate(t *testing.T) {
	base, err := reports.ReadRun(filepath.Join("..", "..", "reports", "testdata", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Scenarios) < 2 {
		t.Fatalf("fixture has %d scenarios, want ≥ 2", len(base.Scenarios))
	}
	basePath := writeRunReport(t, base)

	t.Run("identical", func(t *testing.T) {
		r := runCLI(t, nil, "report", "compare", basePath, writeRunReport(t, base))
		if r.code != exitOK || !strings.Contains(r.stdout, "no regression") {
			t.Fatalf("identical runs: want exit 0\n%s", r)
		}
	})

	t.Run("missing scenario", func(t *testing.T) {
		lost := base.Scenarios[1].Name
		fewer := base
		fewer.Scenarios = append([]reports.ScenarioResult{base.Scenarios[0]}, base.Scenarios[2:]...)
		r := runCLI(t, nil, "report", "compare", basePath, writeRunReport(t, fewer))
		if r.code != exitFailed {
			t.Fatalf("missing %s: want exit 1\n%s", lost, r)
		}
		if strings.Count(r.stdout, "missing in NEW: "+lost) != 1 {
			t.Fatalf("stdout does not list %s as missing exactly once\n%s", lost, r)
		}
		oneErrorLine(t, r, "1 scenario(s) missing in NEW")
	})

	t.Run("new scenario only", func(t *testing.T) {
		more := base
		more.Scenarios = append(append([]reports.ScenarioResult(nil), base.Scenarios...), reports.ScenarioResult{Name: "brand-new"})
		r := runCLI(t, nil, "report", "compare", basePath, writeRunReport(t, more))
		if r.code != exitOK || !strings.Contains(r.stdout, "new in NEW: brand-new") {
			t.Fatalf("a new scenario: want exit 0 listing it\n%s", r)
		}
	})

	t.Run("empty NEW", func(t *testing.T) {
		empty := base
		empty.Scenarios = nil
		emptyPath := writeRunReport(t, empty)
		r := runCLI(t, nil, "report", "compare", basePath, emptyPath)
		if r.code != exitFailed || !strings.Contains(r.stdout, "NEW has no scenarios") {
			t.Fatalf("empty NEW: want exit 1\n%s", r)
		}
		oneErrorLine(t, r, "NEW has no scenarios")
		// Even an empty BASE does not let an empty NEW pass.
		r = runCLI(t, nil, "report", "compare", emptyPath, emptyPath)
		if r.code != exitFailed {
			t.Fatalf("empty against empty: want exit 1\n%s", r)
		}
		oneErrorLine(t, r, "NEW has no scenarios")
	})
}

// writeFakeBackup writes a valid one-RDB backup (an empty RDB) straight into
// the catalog folder, the way the catalog lays it out, and returns its id.
func writeFakeBackup(t *testing.T, catDir string, at time.Time) string {
	t.Helper()
	data := []byte("REDIS0010\xff")
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], rdb.CRC64(data))
	data = append(data, sum[:]...)
	id := backup.NewID(at, "fake")
	dir := filepath.Join(catDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, backup.RDBFileName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sha := sha256.Sum256(data)
	m := backup.Manifest{ID: id, Kind: backup.KindLiveRDB, Node: "fake", Time: at,
		Files: []backup.File{{Name: backup.RDBFileName, Size: int64(len(data)), SHA256: hex.EncodeToString(sha[:])}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, backup.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return id
}

// addBadBackups adds a folder with a garbled manifest and one without a
// manifest, plus a hidden half-written folder that is no backup.
func addBadBackups(t *testing.T, catDir string) (garbled, empty string) {
	t.Helper()
	garbled, empty = "20990101T000000.000Z-garbled-000000", "20990101T000000.000Z-empty-000000"
	for _, d := range []string{garbled, empty, ".tmp-20990101T000000.000Z-half-000000"} {
		if err := os.Mkdir(filepath.Join(catDir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(catDir, garbled, backup.ManifestFile), []byte(`{"id": "2099`), 0o644); err != nil {
		t.Fatal(err)
	}
	return garbled, empty
}

func TestBackupCheckReportsUnreadableBackups(t *testing.T) {
	const (
		missing = "manifest missing"
		decode  = "manifest unreadable: decode manifest: unexpected end of JSON input"
	)
	t.Run("good and bad", func(t *testing.T) {
		dir := t.TempDir()
		good := writeFakeBackup(t, dir, time.Now())
		garbled, empty := addBadBackups(t, dir)
		r := runCLI(t, nil, "backup", "check", dir)
		if r.code != exitFailed {
			t.Fatalf("want exit 1\n%s", r)
		}
		if !strings.Contains(r.stdout, "ok   "+good) {
			t.Errorf("good backup %s not verified\n%s", good, r)
		}
		for _, line := range []string{"FAIL " + garbled + ": " + decode, "FAIL " + empty + ": " + missing} {
			if strings.Count(r.stdout, line+"\n") != 1 {
				t.Errorf("stdout lacks the line %q exactly once\n%s", line, r)
			}
		}
		all := r.stdout + r.stderr
		for _, once := range []string{"unexpected end of JSON input", missing} {
			if n := strings.Count(all, once); n != 1 {
				t.Errorf("%q printed %d times, want once\n%s", once, n, r)
			}
		}
		if strings.Contains(all, ".tmp-") || strings.Contains(all, good+",") || strings.Contains(r.stderr, good) {
			t.Errorf("a hidden folder or the good backup is reported as bad\n%s", r)
		}
		oneErrorLine(t, r, "2 of 3 backups failed the check: "+empty+", "+garbled)
	})

	t.Run("only bad", func(t *testing.T) {
		dir := t.TempDir()
		garbled, empty := addBadBackups(t, dir)
		r := runCLI(t, nil, "backup", "check", dir)
		if r.code != exitFailed || strings.Contains(r.stderr, "no backups") {
			t.Fatalf("catalog of bad backups only: want exit 1, not \"no backups\"\n%s", r)
		}
		oneErrorLine(t, r, "2 of 2 backups failed the check: "+empty+", "+garbled)
	})

	t.Run("empty catalog", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, ".trash-20990101T000000.000Z-old-000000"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, nil, "backup", "check", dir)
		if r.code != exitUsage {
			t.Fatalf("empty catalog: want exit 2\n%s", r)
		}
		oneErrorLine(t, r, "no backups in")
	})

	t.Run("all good", func(t *testing.T) {
		dir := t.TempDir()
		writeFakeBackup(t, dir, time.Now().Add(-time.Hour))
		writeFakeBackup(t, dir, time.Now())
		r := runCLI(t, nil, "backup", "check", dir)
		if r.code != exitOK || !strings.Contains(r.stdout, "2 backups verified") {
			t.Fatalf("good catalog: want exit 0\n%s", r)
		}
	})
}
