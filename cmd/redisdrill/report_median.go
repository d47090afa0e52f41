package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/reports"
)

func newReportMedianCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "median REPORT... [-o text|markdown]",
		Short: "Per scenario, the median over several runs of RTO, of when decide began after detection, of decide's length and of acked writes lost",
		Long: "Read several report.json files (a folder stands for its report.json; .json.gz is read as it is)\n" +
			"and print, per scenario (and detect mode), over the runs it passed or failed in: the median RTO\n" +
			"with its range, the median time from detection to the start of the engine's decide span, the\n" +
			"median length of decide, and the median acked writes lost. The median of an even count is the\n" +
			"mean of the two middle values. A run that never became ready counts for no RTO.\n\n" +
			"With --loaded, the same scenarios run on a loaded machine: per scenario each quiet and each loaded\n" +
			"run's RTO, the quiet median, the loaded median over the quiet median, and the loaded verdicts.",
		Example: `  redisdrill report median docs/runs/2026-12-07/quiet-1 docs/runs/2026-12-07/quiet-2 docs/runs/2026-12-07/quiet-3
  redisdrill report median q1 q2 q3 --loaded l1 --loaded l2 --loaded l3 -o markdown   # quiet beside loaded, with the ratio
  redisdrill report median out/q*/report.json -o markdown`,
		Args: cobra.MinimumNArgs(1),
	}
	out := addOutputFlag(cmd, formatText, formatMarkdown)
	var loaded []string
	cmd.Flags().StringSliceVar(&loaded, "loaded", nil, "reports of the same scenarios run on a loaded machine: print each scenario's quiet and loaded RTOs, the quiet median and the loaded/quiet ratio of medians instead")
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		runs, err := readRuns(args)
		if err != nil {
			return err
		}
		if len(loaded) > 0 {
			lruns, err := readRuns(loaded)
			if err != nil {
				return err
			}
			writeLoadedTable(a.stdout, out.format, loadedRows(runs, lruns))
			return nil
		}
		rows := medianRows(runs)
		if len(rows) == 0 {
			return fmt.Errorf("report median: no scenario in %d reports", len(runs))
		}
		writeMedianTable(a.stdout, out.format, rows)
		return nil
	}
	return cmd
}

// readRuns reads each report (a folder stands for its report.json).
func readRuns(paths []string) ([]reports.Run, error) {
	var runs []reports.Run
	for _, p := range paths {
		run, err := reports.ReadRun(reportFile(p))
		if err != nil {
			return nil, fmt.Errorf("read report %s: %w", p, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// medianRow is one scenario's figures over several runs.
type medianRow struct {
	name       string
	runs       int
	rto        []float64 // s, ready runs only
	decideWait []float64 // ms from detection to decide's start
	decide     []float64 // ms
	lost       []float64
}

// medianRows groups the runs' scenarios by name and detect mode, in the
// order they first appear.
func medianRows(runs []reports.Run) []*medianRow {
	rows := grouped(runs, func(key string) *medianRow { return &medianRow{name: key} })
	for _, c := range rows.cases {
		r, s := c.row, c.s
		r.runs++
		if s.Ready {
			r.rto = append(r.rto, s.RTO.D().Seconds())
		}
		r.lost = append(r.lost, float64(s.Loss.Lost))
		detectEnd, decide := spanOf(s, "detect"), spanOf(s, "decide")
		if detectEnd != nil && decide != nil {
			r.decideWait = append(r.decideWait, ms(decide.Start-detectEnd.End))
			r.decide = append(r.decide, ms(decide.Duration()))
		}
	}
	return rows.order
}

// groupedRows is runs' scenarios grouped into rows by case (name and
// detect mode): each case in run order with its row, and the rows in the
// order their case first appears.
type groupedRows[R any] struct {
	order []R
	cases []groupedCase[R]
}

// groupedCase is one scenario result of run number run, with its row.
type groupedCase[R any] struct {
	row R
	run int
	s   reports.ScenarioResult
}

// grouped groups the runs' scenarios by case name (reports.CaseName, with
// " [probe]" for probe mode), making each row with newRow.
func grouped[R any](runs []reports.Run, newRow func(key string) R) groupedRows[R] {
	var g groupedRows[R]
	by := map[string]R{}
	for i, run := range runs {
		for _, s := range run.Scenarios {
			key := reports.CaseName(run, s)
			if s.DetectMode == "probe" {
				key += " [probe]"
			}
			r, ok := by[key]
			if !ok {
				r = newRow(key)
				by[key] = r
				g.order = append(g.order, r)
			}
			g.cases = append(g.cases, groupedCase[R]{row: r, run: i, s: s})
		}
	}
	return g
}

// spanOf returns the first span of s named name.
func spanOf(s reports.ScenarioResult, name string) *reports.Span {
	for i := range s.Spans {
		if s.Spans[i].Name == name {
			return &s.Spans[i]
		}
	}
	return nil
}

func ms(m reports.Millis) float64 { return float64(time.Duration(m)) / float64(time.Millisecond) }

// median is the middle value (the mean of the two middle ones for an even
// count); false for none.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// writeMedianTable prints the rows as an aligned text table or markdown.
func writeMedianTable(w io.Writer, format string, rows []*medianRow) {
	head := []string{"SCENARIO", "RUNS", "RTO MEDIAN", "RTO RANGE", "DECIDE AFTER DETECT", "DECIDE", "ACKED LOST MEDIAN"}
	var cells [][]string
	for _, r := range rows {
		rto, rng := "never", "-"
		if m, ok := median(r.rto); ok {
			lo, hi := r.rto[0], r.rto[0]
			for _, v := range r.rto {
				lo, hi = min(lo, v), max(hi, v)
			}
			rto, rng = fmt.Sprintf("%.2fs", m), fmt.Sprintf("%.2f–%.2fs", lo, hi)
		}
		wait, dec := "-", "-"
		if m, ok := median(r.decideWait); ok {
			wait = fmt.Sprintf("%.0fms", m)
		}
		if m, ok := median(r.decide); ok {
			dec = fmt.Sprintf("%.0fms", m)
		}
		lost, _ := median(r.lost)
		cells = append(cells, []string{r.name, fmt.Sprint(r.runs), rto, rng, wait, dec, fmt.Sprintf("%.0f", lost)})
	}
	writeCells(w, format, head, cells)
}

// writeCells prints a head and rows of cells as markdown or as an aligned
// text table.
func writeCells(w io.Writer, format string, head []string, cells [][]string) {
	if format == formatMarkdown {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
		for _, c := range cells {
			fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | "))
		}
		return
	}
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = len(h)
	}
	for _, c := range cells {
		for i, v := range c {
			width[i] = max(width[i], len([]rune(v)))
		}
	}
	line := func(c []string) {
		var b strings.Builder
		for i, v := range c {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(v)
			if i < len(c)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(v))))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(head)
	for _, c := range cells {
		line(c)
	}
}
