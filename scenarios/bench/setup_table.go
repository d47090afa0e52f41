package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteSetupTable prints a setup result for a terminal: one row per server
// and topology with min, median and max of Start→Ready, and the medians of
// the milestones on the way (every container started, every server
// answering, every forming command done).
func WriteSetupTable(w io.Writer, r *SetupResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\ttopology\tnodes\tn\tready min\tmedian\tmax\tcontainers\tlistening\tformed\tpooled n\tpooled median\n")
	for _, c := range r.Cells {
		n := fmt.Sprint(c.ReadyMS.N)
		if c.Errors > 0 {
			n += fmt.Sprintf(" (%d failed)", c.Errors)
		}
		lo, med, hi := "failed", "-", "-"
		if c.ReadyMS.N > 0 {
			lo, med, hi = secs(c.ReadyMS.Min), secs(c.ReadyMS.Median), secs(c.ReadyMS.Max)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Server, c.Topology, c.Nodes, n, lo, med, hi,
			c.milestone(func(s SetupSample) float64 { return s.ContainersMS }),
			c.milestone(func(s SetupSample) float64 { return s.ListeningMS }),
			c.milestone(func(s SetupSample) float64 { return s.FormedMS }),
			c.pooledCount(), c.pooledMedian())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write setup table: %w", err)
	}
	fmt.Fprintf(w, "\nmilestones are medians from the Start call, on %d CPUs\n", r.Machine.CPUs)
	if r.Config.Pooled {
		fmt.Fprintf(w, "pooled: Start→Ready when a pool began the start as the previous deployment was torn down (as in a suite of drills)\n")
	}
	return nil
}

// milestone is the median of one milestone over the cell's successful
// samples, as seconds ("-" without any, or when no sample has it: a
// process start has no container milestones).
func (c SetupCell) milestone(of func(SetupSample) float64) string {
	var xs []float64
	for _, s := range c.Samples {
		if s.Error == "" && of(s) > 0 {
			xs = append(xs, of(s))
		}
	}
	if len(xs) == 0 {
		return "-"
	}
	return secs(Median(xs))
}

// pooledCount is the number of pooled samples that succeeded ("-" when none
// were taken), with the failures.
func (c SetupCell) pooledCount() string {
	if len(c.PooledSamples) == 0 {
		return "-"
	}
	n := fmt.Sprint(c.PooledReadyMS.N)
	if c.PooledErrors > 0 {
		n += fmt.Sprintf(" (%d failed)", c.PooledErrors)
	}
	return n
}

// pooledMedian is the median pooled Start→Ready ("-" without any).
func (c SetupCell) pooledMedian() string {
	if c.PooledReadyMS.N == 0 {
		return "-"
	}
	return secs(c.PooledReadyMS.Median)
}
