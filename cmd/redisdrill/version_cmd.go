package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
)

// versionLine is the one-line version the CLI prints, e.g.
// "redisdrill (devel) rev 1a2b3c4d5e6f-dirty 2026-11-30T18:00:00Z go1.26.8":
// the version reports record (BuildInfo.String) and the Go version.
func versionLine(b reports.BuildInfo) string {
	return "redisdrill " + b.String() + " " + b.Go
}

func newVersionCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the redisdrill version (module version, VCS revision, commit time, Go version)",
		Example: `  redisdrill version
  redisdrill version -o json`,
		Args: cobra.NoArgs,
	}
	out := addOutputFlag(cmd, formatText, formatJSON)
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := out.check(); err != nil {
			return err
		}
		b := reports.ReadBuildInfo()
		if out.format == formatJSON {
			return writeJSON(a.stdout, b)
		}
		_, err := fmt.Fprintln(a.stdout, versionLine(b))
		return err
	}
	return cmd
}
