package session

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/reports"
)

// BucketWidth is the width of the availability timeline's buckets.
const BucketWidth = 100 * time.Millisecond

// result turns the evidence into the report model; offsets are relative
// to t0 (to the run's start when no fault was injected).
func (s *session) result() reports.ScenarioResult {
	ev, p := &s.ev, s.plan
	origin := ev.T0
	if origin.IsZero() {
		origin = s.started
	}
	rel := func(t time.Time) reports.Millis {
		if t.IsZero() {
			return 0
		}
		return reports.Millis(t.Sub(origin))
	}
	res := reports.ScenarioResult{
		Name: p.Name, Labels: p.Labels, Description: p.Description,
		Topology: p.Topology.String(), Image: s.env.Image, Seed: s.env.Seed,
		Strategy: "native", T0: ev.T0, Ready: ev.Ready, RTO: ev.RTO, Detect: ev.Detect, DetectMode: string(ev.DetectMode),
		ClientOutage:     ev.ClientOutage,
		Duration:         reports.Millis(time.Since(s.started)),
		AckedBeforeFault: int64(ev.AckedBeforeFault),
		Thresholds:       ev.Thresholds,
		Error:            ev.Error,
	}
	if s.dep != nil {
		res.Image, res.Server, res.ServerVersion = s.dep.Describe()
		for _, n := range s.dep.Engine().Nodes() {
			if v := deploy.RedisVersion(n); v != "" {
				res.RedisVersion = v
				if _, sv := deploy.ServerVersion(n); sv != "" {
					res.ServerVersion = sv
				}
				break
			}
		}
	}
	if ev.Ledger != nil {
		counts, lat := ev.Ledger.Counts(), ev.Ledger.Latency()
		res.Ops = reports.OpCounts{OK: int64(counts.OK), Fail: int64(counts.Fail), Unknown: int64(counts.Unknown)}
		res.Latency = reports.Latency{P50: reports.Millis(lat.P50), P90: reports.Millis(lat.P90), P99: reports.Millis(lat.P99), Max: reports.Millis(lat.Max)}
		res.Timeline = Timeline(ev.Ledger, origin)
	}
	for _, a := range ev.Archives {
		res.Archives = append(res.Archives, reports.Archive{
			Shard: a.Shard, Dir: a.Dir, Durable: a.Durable, Bases: a.Bases, Segments: a.Segments, Gaps: a.Gaps,
			LagFile: a.LagFile, LagSamples: a.LagSamples, LagP50MS: a.LagP50MS, LagP99MS: a.LagP99MS, LagMaxMS: a.LagMaxMS, LagBytes: a.LagBytes,
			CheckOK: a.CheckOK, Problems: a.Problems,
		})
	}
	c := ev.FinalRead
	res.Loss = reports.Loss{Acked: int64(ev.Acked), Lost: int64(c.Lost), Recovered: int64(c.Recovered), Window: reports.Millis(c.LossWindow(ev.T0))}
	for i, r := range ev.Faults {
		if i == 0 {
			res.Fault = FaultReport(r, origin)
			continue
		}
		res.Spans = append(res.Spans, reports.Span{Name: fmt.Sprintf("fault %d (%s)", i+1, r.Name), Start: rel(r.Start), End: rel(r.End)})
	}
	if len(p.Steps) > 2 {
		for _, st := range ev.Steps {
			res.Spans = append(res.Spans, reports.Span{Name: fmt.Sprintf("step %d %s %s", st.Index+1, st.Action, st.ID), Start: rel(st.Start), End: rel(st.End)})
		}
	}
	for i, rep := range ev.Recoveries {
		if i == 0 {
			res.Strategy = rep.Strategy
		}
		for _, sp := range rep.Spans {
			res.Spans = append(res.Spans, reports.Span{Name: sp.Name, Start: rel(sp.Start), End: rel(sp.End)})
		}
		for _, sv := range rep.Salvage {
			res.Salvage = append(res.Salvage, SalvageReport(sv))
		}
		res.Observations = append(res.Observations, rep.Observations...)
	}
	for _, f := range ev.Fences {
		res.Fences = append(res.Fences, reports.Fence{Node: f.Node, Method: f.Method, At: rel(f.At), Returned: rel(f.Returned), Lifted: rel(f.Lifted), Outcome: f.Outcome})
	}
	res.WriteSafety.Polls = ev.Watch.Polls
	for _, v := range ev.Watch.Violations {
		res.WriteSafety.Violations = append(res.WriteSafety.Violations, fmt.Sprintf("%s at %s: %s", v.Kind, v.At.Format("15:04:05.000"), v.Detail))
	}
	if p.Engine != nil && len(ev.Recoveries) == 0 {
		res.Strategy = "none"
	}
	res.History = HistoryReport(ev.HistoryCheck, p.Expect.Tolerate)
	res.Expect = ExpectReport(p.Expect)
	res.Artifacts = s.artifacts
	return res
}

// HistoryReport turns the history checker's result into its report form:
// counts by kind, the first anomaly of each kind as an example, and the
// visualisations as paths inside the evidence folder.
func HistoryReport(h *history.Result, tolerated []string) *reports.History {
	if h == nil {
		return nil
	}
	out := &reports.History{CheckedOps: h.CheckedOps, Keys: h.Keys, Linearizable: reports.Tristate(h.Linearizable),
		Anomalies: map[string]int{}, Tolerated: tolerated}
	for k, n := range h.Counts {
		out.Anomalies[k] = n
	}
	seen := map[string]bool{}
	for _, a := range h.Anomalies {
		if seen[a.Kind] {
			continue
		}
		seen[a.Kind] = true
		out.Examples = append(out.Examples, fmt.Sprintf("%s on key %s at %s: %s", a.Kind, a.Key, a.At.Format("15:04:05.000"), a.Detail))
	}
	for key, file := range h.Visualizations {
		if out.Visualizations == nil {
			out.Visualizations = map[string]string{}
		}
		out.Visualizations[key] = DirHistory + "/" + file
	}
	return out
}

// ExpectReport turns a plan's expectations into their report form, for
// the audit to re-judge.
func ExpectReport(e Expect) *reports.Expect {
	return &reports.Expect{Loss: string(e.Loss), Strategy: e.Strategy, Incident: e.Incident, Failover: e.Failover,
		NoAction: e.NoAction, Fenced: e.Fenced, Tolerate: e.Tolerate}
}

// SalvageReport turns the engine's record of a salvage into its report form.
func SalvageReport(sv recovery.Salvage) reports.Salvage {
	out := reports.Salvage{Method: sv.Method, File: sv.File, Kept: sv.Kept, Dropped: sv.Dropped, Unit: sv.Unit,
		SHA256Before: sv.SHA256Before, SHA256After: sv.SHA256After, Detail: sv.Detail}
	for _, r := range sv.Damaged {
		out.Damaged = append(out.Damaged, fmt.Sprintf("%d (%d B)", r.Offset, r.Length))
	}
	return out
}

// FaultReport turns a fault's record into its report form, times relative
// to t0.
func FaultReport(rec fault.Record, t0 time.Time) reports.FaultRecord {
	rel := func(t time.Time) reports.Millis {
		if t.IsZero() {
			return 0
		}
		return reports.Millis(t.Sub(t0))
	}
	fr := reports.FaultRecord{Name: rec.Name, Targets: rec.Targets, Start: rel(rec.Start), End: rel(rec.End)}
	if rec.Params != nil {
		fr.Params = map[string]string{"target": rec.Params.Target.String()}
		if rec.Params.Delay > 0 {
			fr.Params["delay"] = rec.Params.Delay.String()
		}
		if rec.Params.LossPercent > 0 {
			fr.Params["loss_percent"] = fmt.Sprint(rec.Params.LossPercent)
		}
	}
	return fr
}
