package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/scenarios/bench"
)

// newBenchShowCmd is `redisdrill bench show FILE`: re-derive every figure
// of a saved bench.json from its raw samples, print the table (or, with
// -o json, the recomputed result) and rewrite bench.html beside it.
func newBenchShowCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show BENCH.JSON [-o table|json]",
		Short: "Print a saved bench result (recomputed from its raw samples) and rewrite its bench.html",
		Example: `  redisdrill bench show out/bench/bench.json
  redisdrill bench show out/bench/bench.json -o json > recomputed.json`,
		Args: cobra.ExactArgs(1),
	}
	out := addOutputFlag(cmd, formatTable, formatJSON)
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("open bench result: %w", err)
		}
		defer f.Close()
		res, err := bench.ReadJSON(f)
		if err != nil {
			return err
		}
		// With -o json stdout holds only the result; the files written
		// are named on stderr.
		written := a.stdout
		if out.format == formatJSON {
			written = a.stderr
			err = writeJSON(a.stdout, res)
		} else {
			err = bench.WriteTable(a.stdout, res)
		}
		if err != nil {
			return err
		}
		paths, err := bench.WriteFiles(filepath.Dir(args[0]), res)
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Fprintf(written, "wrote %s\n", p)
		}
		return nil
	}
	return cmd
}
