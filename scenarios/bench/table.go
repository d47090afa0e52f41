package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the result for a terminal: one row per cell, then the
// floors, backup speed, dataset generation and the targets.
func WriteTable(w io.Writer, r *Result) error {
	if r.Config.DetectMode != "" {
		fmt.Fprintf(w, "engine detection: %s\n", r.Config.DetectMode)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "keys\tstrategy\tn\tRTO median\tmin..max\tlost (median)\tfloor\tRTO/floor\tafter decide (/floor)\tspan medians\n")
	for _, c := range r.Cells {
		rto, spread, lost := "failed", "-", "-"
		if c.RTO.N > 0 {
			rto, spread = secs(c.RTO.Median), secs(c.RTO.Min)+".."+secs(c.RTO.Max)
			lost = fmt.Sprintf("%.0f", c.Lost.Median)
		}
		n := fmt.Sprint(c.RTO.N)
		if c.Errors > 0 {
			n += fmt.Sprintf(" (%d failed)", c.Errors)
		}
		floor, ratio, after := "-", "-", "-"
		if c.FloorMS > 0 {
			floor, ratio = c.FloorKind+" "+c.FloorPath+" "+secs(c.FloorMS), fmt.Sprintf("%.2fx", c.FloorRatio)
		}
		if c.AfterDecide.N > 0 {
			after = secs(c.AfterDecide.Median)
			if c.AfterDecideRatio > 0 {
				after += fmt.Sprintf(" (%.2fx)", c.AfterDecideRatio)
			}
		}
		var spans []string
		for _, s := range c.Spans {
			spans = append(spans, fmt.Sprintf("%s %s", s.Name, secs(s.MedianMS)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", human(c.Keys), c.Strategy, n, rto, spread, lost, floor, ratio, after, strings.Join(spans, ", "))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if len(r.Floors) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(tw, "floor\tkeys\tsize\tcopy\tstart+load\traw load (log)\tcold (copy+start+load)\twarm (copy+raw load)\n")
		for _, f := range r.Floors {
			fmt.Fprintf(tw, "%s\t%s\t%.1f MB\t%s\t%s\t%s\t%s\t%s\n", f.Kind, human(f.Keys), float64(f.Bytes)/1e6, secs(f.Copy.Median), secs(f.Start.Median), secs(f.Load.Median), secs(f.TotalMS), secs(f.WarmMS))
		}
		_ = tw.Flush()
	}
	if len(r.Backups) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(tw, "backup\tkeys\tRDB size\tbackup.LiveRDB\tredis-cli --rdb\tratio\n")
		for _, b := range r.Backups {
			fmt.Fprintf(tw, "shard 0\t%s\t%.1f MB\t%s (%.0f MB/s)\t%s (%.0f MB/s)\t%.2fx\n", human(b.Keys), float64(b.Bytes)/1e6, secs(b.Ours.Median), b.OursMBps, secs(b.RedisCLI.Median), b.RedisCLIMBps, b.Ratio)
		}
		_ = tw.Flush()
	}
	if len(r.Generation) > 0 {
		fmt.Fprintln(w)
		for _, g := range r.Generation {
			fmt.Fprintf(w, "dataset generation %s keys x %d B: median %s over %d clusters (min %s, max %s)\n", human(g.Keys), r.Config.ValueSize, secs(g.Summary.Median), g.Summary.N, secs(g.Summary.Min), secs(g.Summary.Max))
		}
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(tw, "target\tgoal\tmeasured\tmet\n")
		for _, t := range r.Targets {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Goal, t.Measured, t.Met)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// secs prints milliseconds as seconds with 2 decimals (3 under a second).
func secs(ms float64) string {
	if ms < 1000 {
		return fmt.Sprintf("%.3fs", ms/1000)
	}
	return fmt.Sprintf("%.2fs", ms/1000)
}
