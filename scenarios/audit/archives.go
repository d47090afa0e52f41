package audit

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/reports"
)

// recheckArchives recomputes each streaming archiver's lag figures from
// its lag log in dir and returns where they differ from report.json.
func recheckArchives(dir string, archives []reports.Archive) []string {
	var d []string
	for _, a := range archives {
		if a.LagFile == "" {
			d = append(d, fmt.Sprintf("archive of shard %d: report.json names no lag log", a.Shard))
			continue
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(a.LagFile)))
		if err != nil {
			d = append(d, fmt.Sprintf("archive of shard %d: %v", a.Shard, err))
			continue
		}
		lag, err := reports.ReadArchiveLag(f)
		f.Close()
		if err != nil {
			d = append(d, fmt.Sprintf("archive of shard %d: %v", a.Shard, err))
			continue
		}
		if lag.Samples != a.LagSamples || lag.P50MS != a.LagP50MS || lag.P99MS != a.LagP99MS || lag.MaxMS != a.LagMaxMS {
			d = append(d, fmt.Sprintf("archive of shard %d: lag %d samples p50 %.3f p99 %.3f max %.3f ms in %s, report.json says %d samples p50 %.3f p99 %.3f max %.3f ms",
				a.Shard, lag.Samples, lag.P50MS, lag.P99MS, lag.MaxMS, a.LagFile, a.LagSamples, a.LagP50MS, a.LagP99MS, a.LagMaxMS))
		}
	}
	return d
}
