package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
)

func newReportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with report.json files",
		Example: `  redisdrill report compare baseline/report.json out/drill/report.json
  redisdrill report compare old.json new.json --max-regression 10% -o json
  redisdrill report merge out/shard-*/report.json --out out/all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("report: missing subcommand (try: redisdrill report compare OLD.json NEW.json, or redisdrill report merge REPORT... --out DIR)")
		},
	}
	cmd.AddCommand(newReportCompareCmd(a), newReportMergeCmd(a), newReportMedianCmd(a), newReportGridCmd(a))
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
	var maxReg, servers string
	cmd := &cobra.Command{
		Use:   "compare OLD.json NEW.json | compare MATRIX.json --servers OLD,NEW [--max-regression 20%] [-o text|json]",
		Short: "Compare two runs (or two servers of one matrix run) scenario by scenario; exit 1 on a regression, a scenario missing in NEW, or an empty NEW",
		Long: "Compare two report.json files scenario by scenario (two matrix runs pair each scenario on the\n" +
			"same server); a folder stands for its report.json. With --servers OLD,NEW and one matrix report,\n" +
			"compare the scenarios that ran on server OLD with those on server NEW: \"what changes if we move\n" +
			"from OLD to NEW\".",
		Example: `  redisdrill report compare baseline/report.json out/drill/report.json
  redisdrill report compare old.json new.json --max-regression 10%
  redisdrill report compare old.json new.json -o json
  redisdrill report compare out/matrix/report.json --servers redis-7.0,valkey-9`,
		Args: cobra.RangeArgs(1, 2),
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
		oldRun, newRun, oldName, newName, err := compareInputs(args, servers)
		if err != nil {
			return err
		}
		c := reports.Compare(oldRun, newRun, frac)
		if err := a.printComparison(out.format, oldName, newName, c); err != nil {
			return err
		}
		if c.Regressed() {
			return failed(compareFailure(c, maxReg))
		}
		return nil
	}
	cmd.Flags().StringVar(&maxReg, "max-regression", "20%", "largest allowed RTO increase, as a percentage (\"20%\") or fraction (\"0.2\")")
	cmd.Flags().StringVar(&servers, "servers", "", "compare server `OLD,NEW` within one matrix report")
	_ = cmd.RegisterFlagCompletionFunc("servers", completeServers)
	return cmd
}

// compareInputs reads the two runs to compare: two files, or two servers
// of one matrix report (--servers OLD,NEW).
func compareInputs(args []string, servers string) (oldRun, newRun reports.Run, oldName, newName string, err error) {
	if servers == "" {
		if len(args) != 2 {
			return oldRun, newRun, "", "", errors.New("report compare: want OLD.json NEW.json, or one matrix report with --servers OLD,NEW")
		}
		if oldRun, err = reports.ReadRun(reportFile(args[0])); err != nil {
			return oldRun, newRun, "", "", fmt.Errorf("read old report: %w", err)
		}
		if newRun, err = reports.ReadRun(reportFile(args[1])); err != nil {
			return oldRun, newRun, "", "", fmt.Errorf("read new report: %w", err)
		}
		return oldRun, newRun, args[0], args[1], nil
	}
	if len(args) != 1 {
		return oldRun, newRun, "", "", errors.New("report compare --servers: want exactly one matrix report")
	}
	pair := strings.Split(servers, ",")
	if len(pair) != 2 || strings.TrimSpace(pair[0]) == "" || strings.TrimSpace(pair[1]) == "" {
		return oldRun, newRun, "", "", fmt.Errorf("invalid --servers %q: want two server names, OLD,NEW", servers)
	}
	run, err := reports.ReadRun(reportFile(args[0]))
	if err != nil {
		return oldRun, newRun, "", "", fmt.Errorf("read report: %w", err)
	}
	pick := func(name string) (reports.Run, string, error) {
		name = strings.TrimSpace(name)
		if srv, lerr := harness.LookupServer(name); lerr == nil {
			name = srv.Name
		}
		r, ok := reports.OnServer(run, name)
		if !ok {
			return r, "", fmt.Errorf("report %s has no scenario on server %q (it has: %s)", args[0], name, strings.Join(reports.Servers(run), ", "))
		}
		return r, args[0] + "@" + name, nil
	}
	if oldRun, oldName, err = pick(pair[0]); err != nil {
		return oldRun, newRun, "", "", err
	}
	if newRun, newName, err = pick(pair[1]); err != nil {
		return oldRun, newRun, "", "", err
	}
	return oldRun, newRun, oldName, newName, nil
}

// reportFile is the report.json an argument names: the file itself, or
// the report.json (else report.json.gz) of a folder (a drill's or a
// merge's out folder, or a committed run).
func reportFile(arg string) string {
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		p := filepath.Join(arg, reports.FileJSON)
		if _, err := os.Stat(p); err != nil {
			if _, gzErr := os.Stat(p + ".gz"); gzErr == nil {
				return p + ".gz" // a committed run keeps its report compressed
			}
		}
		return p
	}
	return arg
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
