package scenarios

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/reports"
)

// BucketWidth is the width of the availability timeline's buckets.
const BucketWidth = 100 * time.Millisecond

// result turns what the run measured into the report model.
func (r *run) result(t0, tReady time.Time, ready bool, ledger *workload.Ledger, check workload.Check, out *Outcome) reports.ScenarioResult {
	sc := r.sc
	rel := func(t time.Time) reports.Millis {
		if t.IsZero() {
			return 0
		}
		return reports.Millis(t.Sub(t0))
	}
	counts := ledger.Counts()
	lat := ledger.Latency()
	res := reports.ScenarioResult{
		Name: sc.Name, Labels: sc.AllLabels(), Description: sc.Description,
		Topology: sc.Topology.String(), Image: r.dep.Image, Seed: r.env.Seed,
		RedisVersion: redisVersion(r),
		Strategy:     string(sc.Recovery), T0: t0, Ready: ready,
		Duration:         reports.Millis(time.Since(r.started)),
		Ops:              reports.OpCounts{OK: int64(counts.OK), Fail: int64(counts.Fail), Unknown: int64(counts.Unknown)},
		AckedBeforeFault: int64(ledger.AckedBefore(t0)),
		Loss: reports.Loss{
			Acked: int64(counts.OK), Lost: int64(check.Lost), Recovered: int64(check.Recovered),
			Window: reports.Millis(check.LossWindow(t0)),
		},
		Latency: reports.Latency{P50: reports.Millis(lat.P50), P90: reports.Millis(lat.P90), P99: reports.Millis(lat.P99), Max: reports.Millis(lat.Max)},
		Fault:   FaultReport(out.Injection, t0),
	}
	if ready {
		res.RTO = rel(tReady)
	}
	if rep := out.Recovery; rep != nil {
		res.Strategy = rep.Strategy
		if !rep.DetectedAt.IsZero() {
			res.Detect = rel(rep.DetectedAt)
		}
		for _, s := range rep.Spans {
			res.Spans = append(res.Spans, reports.Span{Name: s.Name, Start: rel(s.Start), End: rel(s.End)})
		}
	}
	res.Timeline = Timeline(ledger, t0)
	res.Thresholds = scenarioThresholds(sc)
	res.Verdict = reports.Evaluate(res, res.Thresholds)
	return res
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

// scenarioThresholds are the limits the scenario itself promises; a
// thresholds file can override them.
func scenarioThresholds(sc Scenario) reports.Thresholds {
	var th reports.Thresholds
	minAcked := int64(workload.DefaultMinAcked)
	th.MinAckedBeforeFault = &minAcked
	if sc.Expect.AckedLostMax >= 0 {
		lost := int64(sc.Expect.AckedLostMax)
		th.AckedLostMax = &lost
	}
	rto := reports.Millis(sc.withDefaults().RTOTimeout)
	th.RTOMax = &rto
	return th
}

// observations lists what the run saw Redis do on its own.
func observations(rec fault.Record, rep *recovery.Report) []string {
	var out []string
	if rep != nil {
		out = append(out, rep.Observations...)
	}
	return out
}

func redisVersion(r *run) string {
	nodes := r.dep.Nodes()
	if len(nodes) == 0 {
		return ""
	}
	return nodes[0].RedisVersion()
}
