package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/audit"
)

func newAuditCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "audit OUT_DIR",
		Short: "Recompute every scenario's figures and verdict from its evidence files alone; exit 1 on any disagreement with report.json",
		Long: "Recompute every scenario's RTO, client-visible outage, acked writes, acked writes lost and the\n" +
			"oldest lost write from its evidence files alone, re-run the history checker on history.jsonl\n" +
			"(checked ops, linearizable, anomaly counts), re-judge the verdict against the limits and\n" +
			"expectations report.json records (loss bound, strategy, incident, failover, fence, the\n" +
			"history anomalies tolerated — never from writes acked at or after t_ready — and the rule\n" +
			"that a write acked at or after t_ready is never lost), and exit 1 on any disagreement with\n" +
			"report.json. What the evidence cannot show (a failed step, the restored backup's\n" +
			"verification) is carried over from report.json. Evidence paths are read relative to the\n" +
			"folder holding report.json, so an out folder moved or downloaded from CI audits the same.\n" +
			"VERDICT shows report.json's verdict / the audit's.",
		Example: `  redisdrill drill --scenario primary-kill-engine --out out/drill
  redisdrill audit out/drill`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			run, results, err := audit.Report(args[0])
			if err != nil {
				return err
			}
			var rows [][]string
			bad := 0
			for i, r := range results {
				if !r.Agrees() {
					bad++
				}
				rows = append(rows, auditRow(reports.CaseName(run, run.Scenarios[i]), r))
			}
			header := []string{"SCENARIO", "VERDICT", "RTO", "CLIENT OUTAGE", "ACKED LOST", "ACKED BEFORE FAULT", "REPORT.JSON"}
			if err := writeTable(a.stdout, header, rows); err != nil {
				return err
			}
			if bad > 0 {
				return failed(fmt.Errorf("%d of %d scenarios do not re-derive from their evidence", bad, len(results)))
			}
			return nil
		},
	}
}

// auditRow is one line of the audit table: the recomputed figures, the
// verdicts (report.json's / the audit's) and the disagreements.
func auditRow(name string, r audit.Result) []string {
	verdict := fmt.Sprintf("%s/%s", r.Reported, orDash(string(r.Status)))
	status := "agrees"
	switch {
	case r.NotAudited != "":
		status = r.NotAudited
	case !r.Agrees():
		status = "DISAGREES: " + strings.Join(r.Diffs, "; ")
	}
	if !r.Recomputed {
		return []string{name, verdict, "-", "-", "-", "-", status}
	}
	f := r.Figures
	rto, outage := "never", "-"
	if f.Ready {
		rto = reports.Millis(f.RTO).String()
	}
	if !f.FirstFailure.IsZero() {
		outage = reports.Millis(f.ClientOutage).String()
	}
	return []string{name, verdict, rto, outage, fmt.Sprintf("%d/%d", f.Lost, f.Acked), fmt.Sprint(f.AckedBeforeFault), status}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
