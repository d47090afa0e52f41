package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
)

// commands lists the subcommands of the root command. To add one (e.g.
// bench), write newXxxCmd(a *app) *cobra.Command in its own file and append
// it here.
func commands() []func(*app) *cobra.Command {
	return []func(*app) *cobra.Command{
		newScenariosCmd,
		newDrillCmd,
		newPlanCmd,
		newBackupCmd,
		newVerifyCmd,
		newReportCmd,
		newAuditCmd,
		newPruneCmd,
		newImageCmd,
		newBenchCmd,
		newExploreCmd,
		newVersionCmd,
	}
}

// newRoot builds the redisdrill command tree. --version prints the same
// line as the version command.
func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "redisdrill",
		Short: "Chaos drills, game days, backups and checks for Redis",
		Long: "redisdrill runs chaos drills and game-day plans against Redis in Docker, backs up and\n" +
			"verifies any reachable Redis, and compares reports.\n\n" + exitCodesHelp,
		Example: `  redisdrill drill --scenario primary-kill-engine
  redisdrill verify --addr 127.0.0.1:6379 -o json
  redisdrill report compare baseline/report.json out/drill/report.json`,
		Version:       versionLine(reports.ReadBuildInfo()),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(*cobra.Command, []string) {
			a.setLogger()
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "debug logging on stderr")
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	for _, mk := range commands() {
		root.AddCommand(mk(a))
	}
	return root
}

// run executes the CLI with args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	harness.ApplyTestcontainersDefaults()
	harness.QuietRedisLogs()
	a := newApp(stdout, stderr)
	root := newRoot(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		report(stderr, err, a.secrets)
	}
	return exitCode(err)
}
