package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
)

func newPruneCmd(a *app) *cobra.Command {
	var runID string
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove every container, network and volume labelled " + harness.LabelRun,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := a.docker(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			res, err := harness.Prune(cmd.Context(), d, runID)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			a.printf("removed %d containers, %d networks, %d volumes\n", res.Containers, res.Networks, res.Volumes)
			return nil
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "only this run id (default: every run)")
	return cmd
}
