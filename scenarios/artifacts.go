package scenarios

import (
	"context"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/reports"
)

// saveArtifacts writes the evidence every figure can be recomputed from:
// the ledger, the probe ticks, the engine's events, every node's log, and
// the data dirs of nodes that failed.
func (r *run) saveArtifacts(ctx context.Context, ledger *workload.Ledger, ticks []workload.Tick, eng *recovery.Engine) reports.Artifacts {
	dir := r.artifactDir()
	var a reports.Artifacts
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.logger.Warn("cannot create artifacts dir", "dir", dir, "err", err)
		return a
	}
	write := func(name string, fn func(f *os.File) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			r.logger.Warn("cannot write artifact", "file", p, "err", err)
			return ""
		}
		werr := fn(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			r.logger.Warn("cannot write artifact", "file", p, "err", werr)
			return ""
		}
		return p
	}
	a.Ledger = write("ledger.jsonl", func(f *os.File) error { return ledger.WriteJSONL(f) })
	write("probe.jsonl", func(f *os.File) error { return workload.WriteTicksJSONL(f, ticks) })
	if eng != nil {
		a.Events = write("events.jsonl", func(f *os.File) error { return eng.WriteEvents(f) })
	}
	a.NodeLogs = map[string]string{}
	for _, n := range r.dep.AllNodes() {
		logs, err := n.Logs(ctx)
		if err != nil {
			continue
		}
		if p := write(n.Name+".log", func(f *os.File) error { _, err := f.WriteString(logs); return err }); p != "" {
			a.NodeLogs[n.Name] = p
		}
	}
	if eng != nil {
		a.DataDirs = map[string]string{}
		for _, n := range eng.FailedNodes() {
			p := filepath.Join(dir, "datadir-"+n.Name)
			if err := n.CopyDirOut(ctx, "/data", p); err == nil {
				a.DataDirs[n.Name] = p
			}
		}
	}
	return a
}
