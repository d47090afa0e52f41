package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func matrixRun() Run {
	res := func(name, server, version string, st Status, rto time.Duration, lost int64) ScenarioResult {
		return ScenarioResult{Name: name, Server: server, ServerVersion: version, Topology: "cluster 3x1", Ready: true,
			RTO: Millis(rto), Loss: Loss{Lost: lost, Acked: 100}, Verdict: Verdict{Status: st}}
	}
	return Run{Scenarios: []ScenarioResult{
		res("primary-kill-engine", "redis-7.0", "7.0.15", StatusPass, 450*time.Millisecond, 0),
		res("smoke", "redis-7.0", "7.0.15", StatusPass, 8*time.Second, 0),
		res("primary-kill-engine", "valkey-9", "9.0.1", StatusFail, 900*time.Millisecond, 3),
	}}
}

func TestServerGrid(t *testing.T) {
	g, ok := ServerGrid(matrixRun())
	if !ok {
		t.Fatal("no grid for a two-server run")
	}
	if len(g.Servers) != 2 || g.Servers[1].Label() != "valkey-9 9.0.1" {
		t.Fatalf("servers %+v", g.Servers)
	}
	if len(g.Rows) != 2 || g.Rows[1].Scenario != "smoke" || g.Rows[1].Cells[1].Ran {
		t.Fatalf("rows %+v", g.Rows)
	}
	if _, ok := ServerGrid(Run{Scenarios: matrixRun().Scenarios[:2]}); ok {
		t.Error("grid for a one-server run")
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, matrixRun()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Scenario × server", "| primary-kill-engine | ✅ pass · 450ms · 0 lost | ❌ fail · 900ms · 3 lost |", "| smoke | ✅ pass · 8s · 0 lost | — |", "primary-kill-engine [valkey-9]"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md.String())
		}
	}
	var html bytes.Buffer
	if err := WriteHTML(&html, matrixRun()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "Scenario × server") {
		t.Error("report.html has no grid")
	}
}

func TestCompareServersOfOneMatrix(t *testing.T) {
	run := matrixRun()
	oldRun, ok1 := OnServer(run, "redis-7.0")
	newRun, ok2 := OnServer(run, "valkey-9")
	if !ok1 || !ok2 {
		t.Fatal("OnServer found nothing")
	}
	if _, ok := OnServer(run, "redis-8.0"); ok {
		t.Error("OnServer found a server that did not run")
	}
	c := Compare(oldRun, newRun, 0.2)
	if len(c.Scenarios) != 1 || !c.Scenarios[0].Regression || len(c.OnlyOld) != 1 || c.OnlyOld[0] != "smoke" {
		t.Errorf("comparison %+v", c)
	}
	// Two matrix runs pair by scenario and server.
	c = Compare(run, run, 0.2)
	if len(c.Scenarios) != 3 || c.Regressed() {
		t.Errorf("matrix vs itself: %+v", c)
	}
}
