package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// decodeJSON parses stdout as one JSON document into v.
func decodeJSON(t *testing.T, r result, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r)
	}
}

func TestReportCompareJSON(t *testing.T) {
	base, err := reports.ReadRun(filepath.Join("..", "..", "reports", "testdata", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	basePath := writeRunReport(t, base)
	var c struct {
		Regressed *bool `json:"regressed"`
		Scenarios []struct {
			Name       string `json:"name"`
			Regression bool   `json:"regression"`
		} `json:"scenarios"`
		OnlyOld     []string `json:"only_old"`
		Regressions int      `json:"regressions"`
	}
	r := runCLI(t, nil, "report", "compare", basePath, basePath, "-o", "json")
	if r.code != exitOK {
		t.Fatalf("self-compare: want exit 0\n%s", r)
	}
	decodeJSON(t, r, &c)
	if c.Regressed == nil || *c.Regressed || len(c.Scenarios) != len(base.Scenarios) {
		t.Fatalf("self-compare: want regressed=false and %d rows\n%s", len(base.Scenarios), r)
	}

	fewer := base
	fewer.Scenarios = base.Scenarios[1:]
	r = runCLI(t, nil, "report", "compare", basePath, writeRunReport(t, fewer), "-o", "json")
	if r.code != exitFailed {
		t.Fatalf("missing scenario: want exit 1\n%s", r)
	}
	c.OnlyOld = nil
	decodeJSON(t, r, &c)
	if !*c.Regressed || len(c.OnlyOld) != 1 || c.OnlyOld[0] != base.Scenarios[0].Name || c.Regressions != 1 {
		t.Fatalf("missing scenario: want regressed naming %s in only_old\n%s", base.Scenarios[0].Name, r)
	}
	oneErrorLine(t, r, "1 scenario(s) missing in NEW")
}

func TestBackupCheckJSON(t *testing.T) {
	type entry struct {
		ID     string `json:"id"`
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		Report *struct {
			Files []struct {
				Name string `json:"name"`
				OK   bool   `json:"ok"`
			} `json:"files"`
		} `json:"report"`
	}
	var res struct {
		OK      *bool    `json:"ok"`
		Backups []entry  `json:"backups"`
		Failed  []string `json:"failed"`
	}
	dir := t.TempDir()
	good := writeFakeBackup(t, dir, time.Now())
	r := runCLI(t, nil, "backup", "check", dir, "-o", "json")
	if r.code != exitOK {
		t.Fatalf("good catalog: want exit 0\n%s", r)
	}
	decodeJSON(t, r, &res)
	if res.OK == nil || !*res.OK || len(res.Backups) != 1 || res.Backups[0].ID != good || res.Backups[0].Report == nil ||
		len(res.Backups[0].Report.Files) != 1 || !res.Backups[0].Report.Files[0].OK {
		t.Fatalf("good catalog: want one ok backup %s with its files\n%s", good, r)
	}

	garbled, empty := addBadBackups(t, dir)
	r = runCLI(t, nil, "backup", "check", dir, "-o", "json")
	if r.code != exitFailed {
		t.Fatalf("bad backups: want exit 1\n%s", r)
	}
	res.Backups, res.Failed = nil, nil
	decodeJSON(t, r, &res)
	if *res.OK || len(res.Backups) != 3 || strings.Join(res.Failed, ",") != empty+","+garbled {
		t.Fatalf("bad backups: want ok=false, 3 entries, failed [%s %s]\n%s", empty, garbled, r)
	}
	for _, b := range res.Backups {
		if b.ID != good && (b.OK || b.Error == "" || b.Report != nil) {
			t.Errorf("unreadable %s: want ok=false with an error and no report: %+v", b.ID, b)
		}
	}
	oneErrorLine(t, r, "2 of 3 backups failed the check: "+empty+", "+garbled)

	r = runCLI(t, nil, "backup", "check", t.TempDir(), "-o", "json")
	if r.code != exitUsage || r.stdout != "" {
		t.Fatalf("empty catalog: want exit 2 and no stdout\n%s", r)
	}
}

func TestBenchShowJSON(t *testing.T) {
	path := writeBenchFixture(t)
	dir := filepath.Dir(path)
	r := runCLI(t, nil, "bench", "show", path, "-o", "json")
	if r.code != exitOK {
		t.Fatalf("bench show -o json: want exit 0\n%s", r)
	}
	got, err := bench.ReadJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("stdout is not a bench result: %v\n%s", err, r)
	}
	if len(got.Cells) != 1 || !strings.Contains(r.stderr, "wrote ") {
		t.Fatalf("want one cell on stdout and the written files on stderr\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, bench.HTMLFile)); err != nil {
		t.Fatalf("bench.html not written: %v", err)
	}
}

func TestVerifyJSONUnreachable(t *testing.T) {
	r := runCLI(t, nil, "verify", "--addr", "127.0.0.1:1", "-o", "json")
	if r.code != exitUsage || r.stdout != "" {
		t.Fatalf("want exit 2 and no stdout\n%s", r)
	}
	oneErrorLine(t, r, "cannot reach 127.0.0.1:1")
}

func TestBadOutputFormat(t *testing.T) {
	for _, args := range [][]string{
		{"verify", "--addr", "127.0.0.1:1"},
		{"backup", "check", "."},
		{"report", "compare", "a.json", "b.json"},
		{"bench", "show", "bench.json"},
	} {
		r := runCLI(t, nil, append(args, "-o", "yaml")...)
		if r.code != exitUsage || r.stdout != "" {
			t.Fatalf("%v -o yaml: want exit 2 and no output\n%s", args, r)
		}
		oneErrorLine(t, r, `invalid output format "yaml" for -o`)
	}
}
