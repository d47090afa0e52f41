package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// TestMedianRows checks the per-scenario medians over runs: odd and even
// counts, a run never ready, the decide spans and probe mode kept apart.
func TestMedianRows(t *testing.T) {
	sc := func(rto time.Duration, ready bool, lost int64, mode string) reports.ScenarioResult {
		return reports.ScenarioResult{Name: "s", Ready: ready, RTO: reports.Millis(rto), DetectMode: mode,
			Loss: reports.Loss{Lost: lost},
			Spans: []reports.Span{{Name: "detect", End: reports.Millis(100 * time.Millisecond)},
				{Name: "decide", Start: reports.Millis(160 * time.Millisecond), End: reports.Millis(200 * time.Millisecond)}}}
	}
	runs := []reports.Run{
		{Scenarios: []reports.ScenarioResult{sc(3*time.Second, true, 10, "auto"), sc(time.Second, true, 0, "probe")}},
		{Scenarios: []reports.ScenarioResult{sc(2*time.Second, true, 20, "auto")}},
		{Scenarios: []reports.ScenarioResult{sc(0, false, 30, "auto")}},
	}
	rows := medianRows(runs)
	if len(rows) != 2 || rows[0].name != "s" || rows[1].name != "s [probe]" {
		t.Fatalf("rows %+v", rows)
	}
	if m, _ := median(rows[0].rto); m != 2.5 || rows[0].runs != 3 {
		t.Fatalf("auto: rto median %v over %d runs, want 2.5 over 3", m, rows[0].runs)
	}
	if m, _ := median(rows[0].lost); m != 20 {
		t.Fatalf("lost median %v, want 20", m)
	}
	var b bytes.Buffer
	writeMedianTable(&b, formatMarkdown, rows)
	if !strings.Contains(b.String(), "| s | 3 | 2.50s | 2.00–3.00s | 60ms | 40ms | 20 |") {
		t.Fatalf("markdown:\n%s", b.String())
	}
}

// TestLoadedRows checks the quiet/loaded table: each run's RTO in order, a
// run never ready, the ratio of medians and the loaded verdicts.
func TestLoadedRows(t *testing.T) {
	sc := func(rto time.Duration, ready bool, status reports.Status) reports.ScenarioResult {
		return reports.ScenarioResult{Name: "s", Ready: ready, RTO: reports.Millis(rto), Verdict: reports.Verdict{Status: status}}
	}
	run := func(s ...reports.ScenarioResult) reports.Run { return reports.Run{Scenarios: s} }
	quiet := []reports.Run{run(sc(2*time.Second, true, "pass")), run(sc(3*time.Second, true, "pass")), run(sc(0, false, "fail"))}
	loaded := []reports.Run{run(sc(5*time.Second, true, "pass")), run(sc(0, false, "fail"))}
	var b bytes.Buffer
	writeLoadedTable(&b, formatMarkdown, loadedRows(quiet, loaded))
	want := "| s | 2.00 / 3.00 / never | 2.50 s | 5.00 / never | 2.00× | pass fail |"
	if !strings.Contains(b.String(), want) {
		t.Fatalf("markdown:\n%s\nwant row %s", b.String(), want)
	}
}
