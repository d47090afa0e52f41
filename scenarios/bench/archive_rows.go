package bench

import (
	"fmt"
	"strings"
)

// The rows of the archive bench's tables, shared by the text and the
// markdown rendering. Every figure is a field Summarize derives from the
// raw samples.

// throughputHeader is the throughput table's header; with runs it has
// the per-run ops/s columns.
func throughputHeader(runs bool) []string {
	h := []string{"variant", "clients", "rate", "without (ops/s)", "with archiver (ops/s)", "with ÷ without", "goal ≥ 0.95",
		"lag p50", "lag p99", "lag max", "lag bytes"}
	if runs {
		h = append(h, "runs without", "runs with")
	}
	return h
}

// throughputRow is one variant's row (see throughputHeader).
func throughputRow(c ThroughputCell, runs bool) []string {
	met := "n/a"
	ratio := "-"
	if c.Ratio > 0 {
		ratio, met = fmt.Sprintf("%.3fx", c.Ratio), yes(c.Ratio >= archiveThroughputGoal)
	}
	row := []string{c.Variant, fmt.Sprint(c.Clients), rateText(c.Rate), opsText(c.Without), opsText(c.With), ratio, met,
		lagText(c.LagP50MS), lagText(c.LagP99MS), lagText(c.LagMaxMS), bytesText(c.LagBytes)}
	if runs {
		row = append(row, runList(c.Runs, false), runList(c.Runs, true))
	}
	return row
}

// restoreHeader is the restore table's header.
func restoreHeader() []string {
	return []string{"keys", "dataset", "archive", "archive restore", "materialize", "scratch load+save", "verify",
		"snapshot restore", "archive ÷ snapshot", "raw load (floor)", "archive ÷ raw load", "floor warm", "floor cold"}
}

// restoreRow is one size's row (see restoreHeader).
func restoreRow(c RestoreCell) []string {
	if c.Error != "" {
		return append([]string{human(c.Keys), "failed: " + c.Error}, make([]string, len(restoreHeader())-2)...)
	}
	ratio := func(v float64) string {
		if v <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", v)
	}
	floor := func(v float64) string {
		if c.Floor.Load.N == 0 {
			return "-"
		}
		return secs(v)
	}
	archiveFailed, snapshotFailed := 0, 0
	for _, s := range c.Archive {
		if s.Error != "" {
			archiveFailed++
		}
	}
	for _, s := range c.Snapshot {
		if s.Error != "" {
			snapshotFailed++
		}
	}
	rawLoad := floor(c.Floor.Load.Median)
	if n := len(c.FloorErrors); n > 0 {
		rawLoad += fmt.Sprintf(" (%d failed)", n)
	}
	archived := fmt.Sprintf("%.1f MB, %d cmds", float64(c.ArchiveBytes)/1e6, c.IncrCommands)
	return []string{human(c.Keys), fmt.Sprint(c.DatasetKeys), archived, sumSecs(c.ArchiveMS, archiveFailed),
		sumSecs(c.MaterializeMS, 0), sumSecs(c.ScratchMS, 0), sumSecs(c.VerifyMS, 0), sumSecs(c.SnapshotMS, snapshotFailed),
		ratio(c.VsSnapshot), rawLoad, ratio(c.VsRawLoad), floor(c.Floor.WarmMS), floor(c.Floor.TotalMS)}
}

// rateText is a profile's rate: "2000/s" or "unlimited".
func rateText(rate int) string {
	if rate <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d/s", rate)
}

// opsText is a median ops/s ("-" without samples).
func opsText(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", s.Median)
}

// lagText is a median lag in ms ("-" without samples).
func lagText(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", s.Median)
}

// bytesText is a median byte count ("-" without samples).
func bytesText(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f B", s.Median)
}

// sumSecs is a median in seconds, with the failed samples counted ("-"
// without samples).
func sumSecs(s Summary, failed int) string {
	out := "-"
	if s.N > 0 {
		out = secs(s.Median)
	}
	if failed > 0 {
		out += fmt.Sprintf(" (%d failed)", failed)
	}
	return out
}

// runList is the ops/s of each run of one arm in run order, a failed run
// as "failed".
func runList(runs []ThroughputRun, archiver bool) string {
	var out []string
	for _, r := range runs {
		if r.Archiver != archiver {
			continue
		}
		if r.Error != "" {
			out = append(out, "failed")
			continue
		}
		out = append(out, fmt.Sprintf("%.0f", r.OpsPerSec))
	}
	return strings.Join(out, ", ")
}
