package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
)

func newPruneCmd(a *app) *cobra.Command {
	var runID string
	var all bool
	cmd := &cobra.Command{
		Use:   "prune [--run ID | --all]",
		Short: "Remove the containers, networks and volumes of finished runs (labelled " + harness.LabelRun + ")",
		Long: "Without flags, prune removes every run whose owning redisdrill process is gone and keeps the\n" +
			"runs of processes still running on this host (concurrent drills, tests), saying which and why.\n" +
			"A resource without an owner label counts as finished. --run removes one run whatever its owner;\n" +
			"--all removes every resource labelled " + harness.LabelRun + ", including those of running processes.",
		Example: `  redisdrill prune
  redisdrill prune --run 1130-185309-3f9c2a71
  redisdrill prune --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, err := a.docker(ctx)
			if err != nil {
				return err
			}
			defer d.Close()
			var res harness.PruneResult
			if runID != "" || all {
				res, err = harness.Prune(ctx, d, runID)
			} else {
				res, err = a.pruneFinished(ctx, d)
			}
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			a.printf("removed %d containers, %d networks, %d volumes\n", res.Containers, res.Networks, res.Volumes)
			return nil
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "only this run id, whatever its owner (default: every finished run)")
	cmd.Flags().BoolVar(&all, "all", false, "every run, including those of redisdrill processes still running")
	cmd.MarkFlagsMutuallyExclusive("run", "all")
	return cmd
}

// pruneFinished removes the runs whose owning process is gone and prints a
// line for each run it keeps.
func (a *app) pruneFinished(ctx context.Context, d *harness.Docker) (harness.PruneResult, error) {
	var total harness.PruneResult
	runs, err := harness.ListRuns(ctx, d)
	if err != nil {
		return total, fmt.Errorf("list runs: %w", err)
	}
	var errs []error
	for _, c := range choosePrune(runs, processAlive) {
		if !c.remove {
			a.printf("%s\n", c.reason())
			continue
		}
		res, err := harness.Prune(ctx, d, c.run)
		total.Containers += res.Containers
		total.Networks += res.Networks
		total.Volumes += res.Volumes
		if err != nil {
			errs = append(errs, fmt.Errorf("remove run %s: %w", c.run, err))
		}
	}
	return total, errors.Join(errs...)
}
