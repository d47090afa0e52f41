package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/redisdrill/redisdrill/reports"
)

// loadedRow is one scenario's RTOs in the quiet runs beside the loaded
// runs: what `report median --loaded` prints.
type loadedRow struct {
	name          string
	quiet, loaded []string  // each run's RTO ("never" when not ready), in run order
	quietRTO      []float64 // s, ready runs only
	loadedRTO     []float64
	verdicts      []string // the loaded runs' verdicts, in run order
}

// loadedRows pairs the scenarios (and detect modes) of the quiet runs with
// those of the loaded runs, in the order they first appear in the quiet
// runs, then those only the loaded runs hold.
func loadedRows(quiet, loaded []reports.Run) []*loadedRow {
	rows := grouped(append(append([]reports.Run(nil), quiet...), loaded...), func(key string) *loadedRow { return &loadedRow{name: key} })
	for _, c := range rows.cases {
		r, s := c.row, c.s
		rto := "never"
		if s.Ready {
			rto = fmt.Sprintf("%.2f", s.RTO.D().Seconds())
		}
		if c.run < len(quiet) {
			r.quiet = append(r.quiet, rto)
			if s.Ready {
				r.quietRTO = append(r.quietRTO, s.RTO.D().Seconds())
			}
			continue
		}
		r.loaded = append(r.loaded, rto)
		r.verdicts = append(r.verdicts, string(s.Verdict.Status))
		if s.Ready {
			r.loadedRTO = append(r.loadedRTO, s.RTO.D().Seconds())
		}
	}
	return rows.order
}

// writeLoadedTable prints the quiet and loaded RTOs of each scenario, the
// quiet median and the ratio of the loaded median to it.
func writeLoadedTable(w io.Writer, format string, rows []*loadedRow) {
	head := []string{"SCENARIO", "QUIET RTO (s)", "QUIET MEDIAN", "LOADED RTO (s)", "LOADED MEDIAN / QUIET MEDIAN", "LOADED VERDICTS"}
	var cells [][]string
	for _, r := range rows {
		qm, ratio := "-", "-"
		if q, ok := median(r.quietRTO); ok {
			qm = fmt.Sprintf("%.2f s", q)
			if l, ok := median(r.loadedRTO); ok && q > 0 {
				ratio = fmt.Sprintf("%.2f×", l/q)
			}
		}
		cells = append(cells, []string{r.name, orDash(strings.Join(r.quiet, " / ")), qm,
			orDash(strings.Join(r.loaded, " / ")), ratio, orDash(strings.Join(r.verdicts, " "))})
	}
	writeCells(w, format, head, cells)
}
