package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/audit"
)

// writeEvidence writes the run's evidence folder (names in
// reports/evidence.go), then has scenarios/audit recompute the figures
// from those files alone and records every disagreement.
func (s *session) writeEvidence(ctx context.Context) {
	ev, dir := &s.ev, s.dir
	a := reports.Artifacts{Dir: dir}
	write := func(name string, fn func(w io.Writer) error) string {
		var buf bytes.Buffer
		p := filepath.Join(dir, name)
		if err := fn(&buf); err != nil {
			s.logger.Warn("cannot write evidence", "file", p, "err", err)
			return ""
		}
		if err := reports.WriteFileAtomic(p, buf.Bytes()); err != nil {
			s.logger.Warn("cannot write evidence", "file", p, "err", err)
			return ""
		}
		return p
	}
	jsonOf := func(v any) func(w io.Writer) error {
		return func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
	}
	if ev.Ledger != nil {
		a.Ledger = write(reports.FileLedger, ev.Ledger.WriteJSONL)
	}
	write(reports.FileProbe, func(w io.Writer) error { return workload.WriteTicksJSONL(w, ev.Ticks) })
	if ev.FinalReadDone {
		write(reports.FileFinalRead, func(w io.Writer) error { return workload.WriteObservationsJSONL(w, ev.FinalRead.Observed) })
	}
	if ev.History != nil {
		write(history.FileName, func(w io.Writer) error { return history.WriteJSONL(w, ev.History) })
	}
	write(reports.FileFaults, jsonOf(ev.Faults))
	write(reports.FileSteps, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, st := range ev.Steps {
			if err := enc.Encode(st); err != nil {
				return err
			}
		}
		return nil
	})
	if s.eng != nil {
		a.Events = write(reports.FileEvents, s.eng.WriteEvents)
	}
	write(reports.FileWatch, ev.Watch.WriteJSONL)
	if s.dep != nil {
		a.NodeLogs = map[string]string{}
		for _, n := range append(s.dep.Engine().AllNodes(), s.dep.Extra()...) {
			logs, err := n.Logs(ctx)
			if err != nil {
				continue
			}
			if p := write(n.Name()+".log", func(w io.Writer) error { _, err := io.WriteString(w, logs); return err }); p != "" {
				a.NodeLogs[n.Name()] = p
			}
		}
	}
	if s.eng != nil && ctx.Err() == nil {
		a.DataDirs = map[string]string{}
		for _, n := range s.eng.FailedNodes() {
			p := filepath.Join(dir, "datadir-"+n.Name())
			if err := n.CopyDirOut(ctx, n.DataDir(), p); err == nil {
				a.DataDirs[n.Name()] = p
			}
		}
	}
	write(reports.FileMeasurement, jsonOf(ev))
	if !ev.Interrupted && ev.Error == "" && ev.FinalReadDone {
		if ev.Audit = s.audit(); len(ev.Audit) > 0 {
			write(reports.FileMeasurement, jsonOf(ev))
		}
	}
	s.artifacts = a
}

// audit recomputes the figures from the files just written, with code
// that shares nothing with this package, and lists every disagreement.
func (s *session) audit() []string {
	f, err := audit.Recompute(s.dir)
	if err != nil {
		return []string{fmt.Sprintf("recompute: %v", err)}
	}
	ev := &s.ev
	var out []string
	diff := func(name string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			out = append(out, fmt.Sprintf("%s: files say %v, the run reported %v", name, got, want))
		}
	}
	diff("ready", f.Ready, ev.Ready)
	diff("rto", f.RTO.Truncate(time.Microsecond), ev.RTO.D().Truncate(time.Microsecond))
	diff("acked", f.Acked, ev.Acked)
	diff("acked before fault", f.AckedBeforeFault, ev.AckedBeforeFault)
	diff("acked lost", f.Lost, ev.FinalRead.Lost)
	diff("first failure", f.FirstFailure.UnixMicro(), ev.FirstFailure.UnixMicro())
	out = append(out, f.CompareSafety(len(ev.Watch.Violations))...)
	return out
}
