package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// newBenchShowCmd is `redisdrill bench show FILE`: re-derive every figure
// of a saved bench.json from its raw samples, print the table and rewrite
// bench.html beside it.
func newBenchShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show BENCH.JSON",
		Short: "Print a saved bench result (recomputed from its raw samples) and rewrite its bench.html",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("open bench result: %w", err)
			}
			defer f.Close()
			res, err := bench.ReadJSON(f)
			if err != nil {
				return err
			}
			if err := bench.WriteTable(a.stdout, res); err != nil {
				return err
			}
			paths, err := bench.WriteFiles(filepath.Dir(args[0]), res)
			if err != nil {
				return err
			}
			for _, p := range paths {
				a.printf("wrote %s\n", p)
			}
			return nil
		},
	}
}
