package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// result turns what the plan run measured into the report model: the first
// fault is the result's fault record and t0; every step, every later fault
// and every engine span is a span.
func (x *executor) result(ledger *workload.Ledger, check workload.Check) reports.ScenarioResult {
	p, t0 := x.plan, x.t0
	rel := func(t time.Time) reports.Millis {
		if t.IsZero() || t0.IsZero() {
			return 0
		}
		return reports.Millis(t.Sub(t0))
	}
	counts, lat := ledger.Counts(), ledger.Latency()
	topo, _ := p.harnessTopology()
	res := reports.ScenarioResult{
		Name: p.Name, Labels: p.AllLabels(), Description: p.Description,
		Topology: topo.String(), Image: x.dep.Image, Seed: x.env.Seed,
		Strategy: "plan", T0: t0, Ready: x.ready,
		Duration:         reports.Millis(time.Since(x.started)),
		Ops:              reports.OpCounts{OK: int64(counts.OK), Fail: int64(counts.Fail), Unknown: int64(counts.Unknown)},
		AckedBeforeFault: int64(ledger.AckedBefore(t0)),
		Loss: reports.Loss{
			Acked: int64(counts.OK), Lost: int64(check.Lost), Recovered: int64(check.Recovered),
			Window: reports.Millis(check.LossWindow(t0)),
		},
		Latency: reports.Latency{P50: reports.Millis(lat.P50), P90: reports.Millis(lat.P90), P99: reports.Millis(lat.P99), Max: reports.Millis(lat.Max)},
	}
	if nodes := x.dep.Nodes(); len(nodes) > 0 {
		res.RedisVersion = nodes[0].RedisVersion()
	}
	if x.ready {
		res.RTO = rel(x.tReady)
	}
	for i, id := range x.order {
		r := x.injections[id].Record()
		if i == 0 {
			res.Fault = scenarios.FaultReport(r, t0)
			continue
		}
		res.Spans = append(res.Spans, reports.Span{Name: "fault " + id + " (" + r.Name + ")", Start: rel(r.Start), End: rel(r.End)})
	}
	for _, s := range x.out.Steps {
		res.Spans = append(res.Spans, reports.Span{Name: fmt.Sprintf("step %d %s %s", s.Index+1, s.Action, s.ID), Start: rel(s.Start), End: rel(s.End)})
	}
	for i, rep := range x.out.Recoveries {
		if i == 0 {
			res.Strategy = "plan/" + rep.Strategy
			if !rep.DetectedAt.IsZero() {
				res.Detect = rel(rep.DetectedAt)
			}
		}
		for _, s := range rep.Spans {
			res.Spans = append(res.Spans, reports.Span{Name: s.Name, Start: rel(s.Start), End: rel(s.End)})
		}
	}
	res.Timeline = scenarios.Timeline(ledger, t0)
	res.Thresholds = p.thresholds()
	res.Verdict = Judge(res, x.out.Steps)
	return res
}

// Judge is the verdict of a plan run: the thresholds' verdict, failed when
// a step failed (a pass becomes a fail with each failed step as a reason).
func Judge(res reports.ScenarioResult, steps []StepRecord) reports.Verdict {
	v := reports.Evaluate(res, res.Thresholds)
	if v.Status == reports.StatusError || v.Status == reports.StatusInvalid {
		return v
	}
	for _, s := range steps {
		if s.Err != nil {
			v.Status = reports.StatusFail
			v.Reasons = append(v.Reasons, fmt.Sprintf("step %d %s %s failed: %v", s.Index+1, s.Action, s.ID, s.Err))
		}
	}
	return v
}

// saveArtifacts writes the ledger, probe ticks, engine events and node logs.
func (x *executor) saveArtifacts(ctx context.Context, ledger *workload.Ledger, ticks []workload.Tick) reports.Artifacts {
	dir := x.artifactDir()
	var a reports.Artifacts
	if err := os.MkdirAll(dir, 0o755); err != nil {
		x.logger.Warn("cannot create artifacts dir", "dir", dir, "err", err)
		return a
	}
	write := func(name string, fn func(f *os.File) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			x.logger.Warn("cannot write artifact", "file", p, "err", err)
			return ""
		}
		werr := fn(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			x.logger.Warn("cannot write artifact", "file", p, "err", werr)
			return ""
		}
		return p
	}
	a.Ledger = write("ledger.jsonl", func(f *os.File) error { return ledger.WriteJSONL(f) })
	write("probe.jsonl", func(f *os.File) error { return workload.WriteTicksJSONL(f, ticks) })
	if x.eng != nil {
		a.Events = write("events.jsonl", func(f *os.File) error { return x.eng.WriteEvents(f) })
	}
	a.NodeLogs = map[string]string{}
	for _, n := range x.dep.AllNodes() {
		logs, err := n.Logs(ctx)
		if err != nil {
			continue
		}
		if p := write(n.Name+".log", func(f *os.File) error { _, err := f.WriteString(logs); return err }); p != "" {
			a.NodeLogs[n.Name] = p
		}
	}
	return a
}
