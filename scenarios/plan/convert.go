package plan

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/reports"
)

// Defaults of a plan's timings.
const (
	DefaultWarmUp       = 2 * time.Second
	DefaultSettle       = 500 * time.Millisecond
	DefaultRTOTimeout   = 60 * time.Second
	DefaultVerifyWithin = 30 * time.Second
)

func dur(d *reports.YAMLDuration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return time.Duration(*d)
}

// harnessTopology converts the plan's topology; an empty kind is the
// default cluster.
func (p Plan) harnessTopology() (harness.Topology, error) {
	t := p.Topology
	out := harness.DefaultCluster()
	switch t.Kind {
	case "", string(harness.KindCluster):
	case string(harness.KindReplicated), string(harness.KindStandalone):
		out.Kind = harness.Kind(t.Kind)
		out.Primaries, out.Replicas = 1, 0
	default:
		return harness.Topology{}, fmt.Errorf("kind: want cluster, replicated or standalone, got %q", t.Kind)
	}
	if t.Primaries != 0 {
		out.Primaries = t.Primaries
	}
	if t.Replicas != 0 || t.Kind == string(harness.KindStandalone) {
		out.Replicas = t.Replicas
	}
	out.NodeTimeout = dur(t.NodeTimeout, out.NodeTimeout)
	if t.Persistence != "" {
		out.Persistence = harness.Persistence(t.Persistence)
	}
	if t.AppendFsync != "" {
		out.AppendFsync = t.AppendFsync
	}
	out.AOFTimestamps = t.AOFTimestamps
	out.ExtraConf = t.ExtraConf
	return out, nil
}

// profile converts the plan's workload; zero fields take the defaults.
func (p Plan) profile() workload.Profile {
	out := workload.DefaultProfile()
	w := p.Workload
	if w.Clients != 0 {
		out.Clients = w.Clients
	}
	if w.Rate != 0 {
		out.Rate = w.Rate
	}
	if w.ValueSize != 0 {
		out.ValueSize = w.ValueSize
	}
	out.WaitReplicas = w.WaitReplicas
	out.WaitTimeout = dur(w.WaitTimeout, out.WaitTimeout)
	return out
}

func (f FaultStep) target() (fault.Target, error) {
	if f.Target == "" {
		return fault.Target{}, nil
	}
	return fault.ParseTarget(f.Target)
}

func (f FaultStep) params() fault.Params {
	t, _ := f.target()
	return fault.Params{
		Target: t, Delay: dur(f.Delay, 0), LossPercent: f.LossPercent, Companions: f.Companions,
		Bytes: f.Bytes, LeaveBytes: f.LeaveBytes, Restart: f.Restart, Timeout: dur(f.Timeout, 0),
	}
}

// thresholds are the plan's inline limits over the defaults every scenario
// has (min acked writes before the fault, rto_max = rto_timeout).
func (p Plan) thresholds() reports.Thresholds {
	th := reports.ThresholdConfig{Defaults: p.Thresholds}.For(p.Name, p.Labels)
	if th.MinAckedBeforeFault == nil {
		v := int64(workload.DefaultMinAcked)
		th.MinAckedBeforeFault = &v
	}
	if th.RTOMax == nil {
		v := reports.Millis(dur(p.RTOTimeout, DefaultRTOTimeout))
		th.RTOMax = &v
	}
	return th
}

// AllLabels returns the plan's labels plus "plan" and a topology: label.
func (p Plan) AllLabels() []string {
	t, _ := p.harnessTopology()
	return append(append([]string(nil), p.Labels...), "plan", "topology:"+string(t.Kind))
}
