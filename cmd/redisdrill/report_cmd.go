package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
)

func newReportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with report.json files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("report: missing subcommand (try: redisdrill report compare OLD.json NEW.json)")
		},
	}
	cmd.AddCommand(newReportCompareCmd(a))
	return cmd
}

func newReportCompareCmd(a *app) *cobra.Command {
	var maxReg string
	cmd := &cobra.Command{
		Use:   "compare OLD.json NEW.json",
		Short: "Compare two runs scenario by scenario; exit 1 on a regression, a scenario missing in NEW, or an empty NEW",
		Args:  cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			frac, err := parsePercent(maxReg)
			if err != nil {
				return err
			}
			oldRun, err := reports.ReadRun(args[0])
			if err != nil {
				return fmt.Errorf("read old report: %w", err)
			}
			newRun, err := reports.ReadRun(args[1])
			if err != nil {
				return fmt.Errorf("read new report: %w", err)
			}
			c := reports.Compare(oldRun, newRun, frac)
			if err := reports.WriteComparisonText(a.stdout, c); err != nil {
				return err
			}
			if c.Regressed() {
				return failed(compareFailure(c, maxReg))
			}
			a.printf("no regression\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&maxReg, "max-regression", "20%", "largest allowed RTO increase, as a percentage (\"20%\") or fraction (\"0.2\")")
	return cmd
}

// compareFailure is the one-line summary of a failed comparison; the
// details are already on stdout.
func compareFailure(c reports.Comparison, maxReg string) error {
	var parts []string
	if c.NewEmpty {
		parts = append(parts, "NEW has no scenarios")
	}
	if n := c.Regressions - c.Missing(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d regression(s) beyond %s", n, maxReg))
	}
	if n := c.Missing(); n > 0 && !c.NewEmpty {
		parts = append(parts, fmt.Sprintf("%d scenario(s) missing in NEW", n))
	}
	return errors.New(strings.Join(parts, "; "))
}

// parsePercent parses "20%" (→ 0.2) or a fraction "0.2".
func parsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 || v != v {
		return 0, fmt.Errorf("parse --max-regression %q: want a percentage like 20%% or a fraction like 0.2", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}
