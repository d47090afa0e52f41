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
		Example: `  redisdrill report compare baseline/report.json out/drill/report.json
  redisdrill report compare old.json new.json --max-regression 10% -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("report: missing subcommand (try: redisdrill report compare OLD.json NEW.json)")
		},
	}
	cmd.AddCommand(newReportCompareCmd(a))
	return cmd
}

// compareJSON is the result of `report compare -o json`: the comparison
// rows and whether NEW fails it.
type compareJSON struct {
	Old       string `json:"old"`
	New       string `json:"new"`
	Regressed bool   `json:"regressed"`
	reports.Comparison
}

func newReportCompareCmd(a *app) *cobra.Command {
	var maxReg string
	cmd := &cobra.Command{
		Use:   "compare OLD.json NEW.json [--max-regression 20%] [-o text|json]",
		Short: "Compare two runs scenario by scenario; exit 1 on a regression, a scenario missing in NEW, or an empty NEW",
		Example: `  redisdrill report compare baseline/report.json out/drill/report.json
  redisdrill report compare old.json new.json --max-regression 10%
  redisdrill report compare old.json new.json -o json`,
		Args: cobra.ExactArgs(2),
	}
	out := addOutputFlag(cmd, formatText, formatJSON)
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
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
		if err := a.printComparison(out.format, args[0], args[1], c); err != nil {
			return err
		}
		if c.Regressed() {
			return failed(compareFailure(c, maxReg))
		}
		return nil
	}
	cmd.Flags().StringVar(&maxReg, "max-regression", "20%", "largest allowed RTO increase, as a percentage (\"20%\") or fraction (\"0.2\")")
	return cmd
}

// printComparison prints c as the text table with its verdict, or as one
// JSON document.
func (a *app) printComparison(format, oldPath, newPath string, c reports.Comparison) error {
	if format == formatJSON {
		if c.Scenarios == nil {
			c.Scenarios = []reports.ScenarioDelta{}
		}
		return writeJSON(a.stdout, compareJSON{Old: oldPath, New: newPath, Regressed: c.Regressed(), Comparison: c})
	}
	if err := reports.WriteComparisonText(a.stdout, c); err != nil {
		return err
	}
	if !c.Regressed() {
		a.printf("no regression\n")
	}
	return nil
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
