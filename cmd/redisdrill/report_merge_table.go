package main

import (
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/reports"
)

// runTableHeader is the header of the summary table drill (finish) and
// report merge print.
func runTableHeader() []string {
	return []string{"SCENARIO", "TOPOLOGY", "FAULT", "STRATEGY", "RTO", "CLIENT OUTAGE", "DETECT", "ACKED LOST", "VERDICT"}
}

// runTableRows are the rows of run's summary table, one per scenario.
func runTableRows(run reports.Run) [][]string {
	rows := make([][]string, 0, len(run.Scenarios))
	for _, r := range run.Scenarios {
		rows = append(rows, []string{reports.CaseName(run, r), r.Topology, r.Fault.Name, r.Strategy, rtoText(r), r.ClientOutage.String(), detectText(r),
			fmt.Sprintf("%d/%d", r.Loss.Lost, r.Loss.Acked), strings.ToUpper(string(r.Verdict.Status))})
	}
	return rows
}

// failedCount is the number of run's scenarios whose verdict fails a run
// (reports.Status.Failed: fail, error, invalid, interrupted).
func failedCount(run reports.Run) int {
	n := 0
	for _, r := range run.Scenarios {
		if r.Verdict.Status.Failed() {
			n++
		}
	}
	return n
}
