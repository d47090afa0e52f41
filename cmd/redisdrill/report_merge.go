package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
)

// mergeOptions are the flags of report merge.
type mergeOptions struct {
	out        string
	force      bool
	allowMixed bool
}

func newReportMergeCmd(a *app) *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:   "merge REPORT... --out DIR [--force] [--allow-mixed]",
		Short: "Join several runs' reports (e.g. CI shards) into one out folder with their evidence; exit 1 when a merged scenario did not pass",
		Long: "Join the report.json files given (a folder means its report.json) into ONE report.json, junit.xml,\n" +
			"summary.md and report.html in --out, and bring every scenario's evidence folder there (hard links\n" +
			"on the same filesystem, else copies), so --out is self-contained: audit and report compare read it\n" +
			"as one drill's out folder. It refuses, writing nothing, a scenario (on one server) present in two\n" +
			"inputs, an input that is not a report, inputs of different builds (unless --allow-mixed), and an\n" +
			"--out that already holds a report.json or evidence of the same names (unless --force, which\n" +
			"replaces those files; nothing is ever deleted). Exit 1 when a merged scenario did not pass, as\n" +
			"drill does, so a CI job can gate on the merge.",
		Example: `  redisdrill report merge out/shard-*/report.json --out out/all
  redisdrill report merge out/shard-1 out/shard-2 --out out/all --force
  redisdrill audit out/all`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := notEmpty(cmd, "out"); err != nil {
				return err
			}
			return a.merge(args, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "folder for the merged reports and evidence")
	f.BoolVar(&o.force, "force", false, "write over a report.json and evidence folders already in --out (other files are kept)")
	f.BoolVar(&o.allowMixed, "allow-mixed", false, "merge reports of different redisdrill builds (commits)")
	markRequired(cmd, "out")
	return cmd
}

// merge is report merge: read every input, plan, write, then print the
// summary table and gate like drill (exit 1 when a scenario did not pass).
func (a *app) merge(args []string, o mergeOptions) error {
	inputs := make([]reports.MergeInput, 0, len(args))
	for _, arg := range args {
		in, err := readMergeInput(arg)
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
	}
	m, err := reports.PlanMerge(inputs, o.out, reports.MergeOptions{AllowMixed: o.allowMixed})
	if err != nil {
		return err
	}
	if len(m.Run.Scenarios) == 0 {
		return failed(fmt.Errorf("merge reports: the %d input report(s) hold no scenario; nothing written", len(inputs)))
	}
	paths, err := reports.WriteMerged(o.out, m, o.force)
	if err != nil {
		return err
	}
	run := m.Run
	if err := writeTable(a.stdout, runTableHeader(), runTableRows(run)); err != nil {
		return err
	}
	a.printf("\nmerged %d scenarios from %d reports, with %d evidence folders\nreports: %s\n", len(run.Scenarios), len(inputs), len(m.Copies), strings.Join(paths, " "))
	if bad := failedCount(run); bad > 0 {
		return failed(fmt.Errorf("%d of %d scenarios did not pass", bad, len(run.Scenarios)))
	}
	return nil
}

// readMergeInput reads one input of report merge: a report.json, or a
// folder holding one.
func readMergeInput(arg string) (reports.MergeInput, error) {
	file := arg
	st, err := os.Stat(arg)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return reports.MergeInput{}, fmt.Errorf("merge reports: %s does not exist", arg)
	case err != nil:
		return reports.MergeInput{}, fmt.Errorf("merge reports: %w", err)
	case st.IsDir():
		file = filepath.Join(arg, reports.FileJSON)
		if _, err := os.Stat(file); err != nil {
			return reports.MergeInput{}, fmt.Errorf("merge reports: %s has no %s: not a drill's out folder", arg, reports.FileJSON)
		}
	}
	run, err := reports.ReadRun(file)
	if err != nil {
		return reports.MergeInput{}, fmt.Errorf("merge reports: %s is not a report: %w", arg, err)
	}
	return reports.MergeInput{Path: file, Dir: filepath.Dir(file), Run: run}, nil
}
