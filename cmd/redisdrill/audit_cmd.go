package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/audit"
)

func newAuditCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "audit OUT_DIR",
		Short: "Recompute every scenario's RTO, client-visible outage and acked writes lost from its evidence files alone; exit 1 on any disagreement with report.json",
		Example: `  redisdrill drill --scenario primary-kill-engine --out out/drill
  redisdrill audit out/drill`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			run, err := reports.ReadRun(filepath.Join(args[0], reports.FileJSON))
			if err != nil {
				return err
			}
			var rows [][]string
			bad := 0
			for _, s := range run.Scenarios {
				dir := s.Artifacts.Dir
				if dir == "" {
					dir = filepath.Join(args[0], s.Name)
				}
				f, err := audit.Recompute(dir)
				if err != nil {
					rows = append(rows, []string{s.Name, "-", "-", "-", "-", "cannot recompute: " + err.Error()})
					bad++
					continue
				}
				diffs := f.Compare(s.RTO.D(), s.Ready, int(s.Loss.Acked), int(s.AckedBeforeFault), int(s.Loss.Lost))
				diffs = append(diffs, f.CompareSafety(len(s.WriteSafety.Violations))...)
				status := "agrees"
				if len(diffs) > 0 {
					status, bad = "DISAGREES: "+strings.Join(diffs, "; "), bad+1
				}
				outage := "-"
				if !f.FirstFailure.IsZero() {
					outage = reports.Millis(f.ClientOutage).String()
				}
				rows = append(rows, []string{s.Name, reports.Millis(f.RTO).String(), outage,
					fmt.Sprintf("%d/%d", f.Lost, f.Acked), fmt.Sprint(f.AckedBeforeFault), status})
			}
			if err := writeTable(a.stdout, []string{"SCENARIO", "RTO", "CLIENT OUTAGE", "ACKED LOST", "ACKED BEFORE FAULT", "REPORT.JSON"}, rows); err != nil {
				return err
			}
			if bad > 0 {
				return failed(fmt.Errorf("%d of %d scenarios do not re-derive from their evidence", bad, len(run.Scenarios)))
			}
			return nil
		},
	}
}
