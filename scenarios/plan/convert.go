package plan

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

func dur(d *reports.YAMLDuration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return time.Duration(*d)
}

// sentinelReplicas is how many replicas a plan's sentinel topology has
// when it names none: two, as the catalog's Sentinel drills, so a
// failover leaves the new primary a replica.
const sentinelReplicas = 2

// harnessTopology converts the plan's topology; an empty kind is the
// default cluster. A sentinel topology is one primary with replicas
// (default sentinelReplicas) under Sentinels (default three), whose
// down-after-milliseconds is node_timeout.
func (p Plan) harnessTopology() (harness.Topology, error) {
	t := p.Topology
	out := rediskit.DefaultCluster()
	switch t.Kind {
	case "", string(harness.KindCluster):
	case string(harness.KindReplicated), string(harness.KindStandalone):
		out.Kind = harness.Kind(t.Kind)
		out.Primaries, out.Replicas = 1, 0
	case string(harness.KindSentinel):
		out.Kind = harness.KindSentinel
		out.Primaries, out.Replicas = 1, sentinelReplicas
	default:
		return harness.Topology{}, fmt.Errorf("kind: want cluster, sentinel, replicated or standalone, got %q", t.Kind)
	}
	if t.Primaries != 0 {
		out.Primaries = t.Primaries
	}
	if t.Replicas != nil {
		out.Replicas = *t.Replicas
	}
	out.Sentinels = t.Sentinels
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
	for _, k := range w.Mix {
		out.Mix = append(out.Mix, workload.Kind(k))
	}
	out.CatchUp = w.CatchUp
	return out
}

func (f FaultStep) params() (fault.Params, error) {
	var t fault.Target
	if f.Target != "" {
		var err error
		if t, err = fault.ParseTarget(f.Target); err != nil {
			return fault.Params{}, err
		}
	}
	return fault.Params{
		Target: t, Delay: dur(f.Delay, 0), LossPercent: f.LossPercent, Companions: f.Companions,
		Bytes: f.Bytes, LeaveBytes: f.LeaveBytes, Restart: f.Restart, Timeout: dur(f.Timeout, 0),
	}, nil
}

// AllLabels returns the plan's labels plus "plan" and a topology: label.
func (p Plan) AllLabels() []string {
	t, _ := p.harnessTopology()
	return append(append([]string(nil), p.Labels...), "plan", "topology:"+string(t.Kind))
}

// Session compiles the plan file into the steps of a drill session. Its
// errors name the YAML path of the problem.
func (p Plan) Session() (session.Plan, error) {
	topo, err := p.harnessTopology()
	if err != nil {
		return session.Plan{}, errAt("$.topology", "%v", err)
	}
	sp := session.Plan{
		Name: p.Name, Description: p.Description, Labels: p.AllLabels(),
		Topology: topo, Workload: p.profile(),
		WarmUp: dur(p.WarmUp, session.DefaultWarmUp), Settle: dur(p.Settle, session.DefaultSettle),
		RTOTimeout: dur(p.RTOTimeout, session.DefaultRTOTimeout),
		Limits:     reports.ThresholdConfig{Defaults: p.Thresholds}.For(p.Name, nil),
	}
	for i, s := range p.Steps {
		st, err := s.session(i)
		if err != nil {
			return session.Plan{}, err
		}
		if s.Recover == session.RecoverEngine && sp.Engine == nil {
			sp.Engine = &session.EngineSpec{}
		}
		sp.Steps = append(sp.Steps, st)
	}
	if p.Detect != "" {
		if sp.Engine == nil {
			return session.Plan{}, errAt("$.detect", "a detection mode needs a recover: engine step")
		}
		sp.Engine.DetectMode = detect.Mode(p.Detect)
	}
	if p.Archive {
		if sp.Engine == nil {
			return session.Plan{}, errAt("$.archive", "the archive needs a recover: engine step")
		}
		sp.Engine.Archive = true
	}
	return sp, nil
}

// session compiles the i-th step of the plan file into a session step.
func (s Step) session(i int) (session.Step, error) {
	st := session.Step{ID: s.ID, Recover: s.Recover, Heal: s.Heal, Backup: s.Backup}
	if s.Wait != nil {
		st.Wait = time.Duration(*s.Wait)
		if st.Wait <= 0 {
			return session.Step{}, errAt(fmt.Sprintf("$.steps[%d].wait", i), "must be > 0")
		}
	}
	if s.Fault != nil {
		params, err := s.Fault.params()
		if err != nil {
			return session.Step{}, errAt(fmt.Sprintf("$.steps[%d].fault.target", i), "%v", err)
		}
		st.Fault = &session.FaultStep{Name: s.Fault.Name, Params: params, HealAfter: dur(s.Fault.HealAfter, 0)}
	}
	if s.Verify != nil {
		st.Verify = &session.VerifyStep{Within: dur(s.Verify.Within, session.DefaultVerifyWithin), AfterHeals: s.Verify.AfterHeals}
		if s.Verify.ExpectReplicas != nil {
			st.Verify.ExpectReplicas = *s.Verify.ExpectReplicas
			if st.Verify.ExpectReplicas == 0 {
				st.Verify.ExpectReplicas = -1
			}
		}
	}
	return st, nil
}
