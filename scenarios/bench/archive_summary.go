package bench

import "fmt"

// archiveThroughputGoal is the goal: the workload's throughput with
// the archiver at least this share of its throughput without.
const archiveThroughputGoal = 0.95

// Summarize fills every derived field from the raw samples (idempotent):
// each run's ops/s, each cell's medians and ratios, and the targets.
func (r *ArchiveResult) Summarize() {
	for i := range r.Throughput {
		r.Throughput[i].summarize()
	}
	for i := range r.Restores {
		r.Restores[i].summarize()
	}
	r.Targets = r.archiveTargets()
}

// summarize derives a throughput cell's figures from its runs.
func (c *ThroughputCell) summarize() {
	var without, with, p50, p99, mx, lagBytes []float64
	c.Errors = 0
	for i := range c.Runs {
		run := &c.Runs[i]
		run.OpsPerSec = Ratio(float64(run.OK), run.WindowMS/1000)
		if run.Error != "" {
			c.Errors++
			continue
		}
		if !run.Archiver {
			without = append(without, run.OpsPerSec)
			continue
		}
		with = append(with, run.OpsPerSec)
		if run.Lag != nil {
			p50, p99, mx = append(p50, run.Lag.P50MS), append(p99, run.Lag.P99MS), append(mx, run.Lag.MaxMS)
			lagBytes = append(lagBytes, float64(run.Lag.Bytes))
		}
	}
	c.Without, c.With = Summarize(without), Summarize(with)
	c.Ratio = 0
	if c.Without.N > 0 && c.With.N > 0 {
		c.Ratio = Ratio(c.With.Median, c.Without.Median)
	}
	c.LagP50MS, c.LagP99MS, c.LagMaxMS, c.LagBytes = Summarize(p50), Summarize(p99), Summarize(mx), Summarize(lagBytes)
}

// summarize derives a restore cell's figures from its samples; the floor
// is derived exactly as bench.json derives its floors (Result.Summarize).
func (c *RestoreCell) summarize() {
	var total, mat, scratch, verify, snap []float64
	c.Errors = len(c.FloorErrors)
	for _, s := range c.Archive {
		if s.Error != "" {
			c.Errors++
			continue
		}
		total, mat = append(total, s.TotalMS()), append(mat, s.MaterializeMS)
		scratch, verify = append(scratch, s.ScratchMS), append(verify, s.VerifyMS)
	}
	for _, s := range c.Snapshot {
		if s.Error != "" {
			c.Errors++
			continue
		}
		snap = append(snap, s.LoadMS)
	}
	c.ArchiveMS, c.MaterializeMS, c.ScratchMS, c.VerifyMS = Summarize(total), Summarize(mat), Summarize(scratch), Summarize(verify)
	c.SnapshotMS = Summarize(snap)
	floors := Result{Floors: []Floor{c.Floor}}
	floors.Summarize()
	c.Floor = floors.Floors[0]
	c.VsSnapshot, c.VsRawLoad = 0, 0
	if c.ArchiveMS.N > 0 {
		c.VsSnapshot = Ratio(c.ArchiveMS.Median, c.SnapshotMS.Median)
		c.VsRawLoad = Ratio(c.ArchiveMS.Median, c.Floor.Load.Median)
	}
}

// archiveTargets checks the throughput goal of every variant measured in
// both arms.
func (r *ArchiveResult) archiveTargets() []Target {
	var out []Target
	for _, c := range r.Throughput {
		t := Target{
			Name: fmt.Sprintf("throughput with the archiver, %s", c.Variant),
			Goal: fmt.Sprintf(">= %.2fx without", archiveThroughputGoal), Measured: "not measured", Met: "n/a",
		}
		if c.Ratio > 0 {
			t.Measured = fmt.Sprintf("%.3fx (%.0f vs %.0f ops/s)", c.Ratio, c.With.Median, c.Without.Median)
			t.Met = yes(c.Ratio >= archiveThroughputGoal)
		}
		out = append(out, t)
	}
	return out
}
