package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
)

func newReportGridCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "grid REPORT",
		Short: "Print the scenario × server grid of a matrix run as a Markdown table (verdict · RTO · acked writes lost per cell)",
		Long: "Read a matrix run's report.json (a folder stands for its report.json; .json.gz is read as it is)\n" +
			"and print its scenario × server grid as summary.md has it: one row per scenario, one column per\n" +
			"server and version, each cell the verdict, the RTO and the acked writes lost. A report that ran\n" +
			"on one server only has no grid: that is an error.",
		Example: `  redisdrill drill --matrix all --scenario smoke-primary-kill-native --out out/matrix
  redisdrill report grid out/matrix`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			runs, err := readRuns(args)
			if err != nil {
				return err
			}
			g, ok := reports.ServerGrid(runs[0])
			if !ok {
				return errors.New("report grid: " + args[0] + " ran on one server only: no scenario × server grid (run drill --matrix)")
			}
			return reports.WriteMarkdownGrid(a.stdout, g)
		},
	}
}
