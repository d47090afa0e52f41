package explore

import (
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// PlanYAML renders the schedule as a game-day plan file (scenarios/plan)
// named name, which `redisdrill plan run` accepts: the same deployment,
// workload and steps, judged by the session checker with no acked write
// lost (acked_lost_max: 0) unless the schedule allows a loss window.
func (s Schedule) PlanYAML(name string) ([]byte, error) {
	p, err := s.Plan(name)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Regression plan from redisdrill explore (seed %d, %d fault event(s)).\n", s.Seed, len(s.Events))
	w("# Replay the schedule itself with: redisdrill explore replay SCHEDULE.json\n")
	if p.Engine != nil {
		w("# The engine waits up to %s for each failure to show when run by explore;\n# a plan run waits its default instead.\n", detectWithin)
	}
	w("name: %s\n", name)
	w("description: %q\n", p.Description)
	w("labels: [%s]\n", strings.Join(quoteAll(p.Labels), ", "))
	t := p.Topology
	w("topology:\n  kind: %s\n", t.Kind)
	if t.Kind == harness.KindCluster {
		w("  primaries: %d\n", t.Primaries)
		w("  node_timeout: %s\n", t.NodeTimeout)
	}
	w("  replicas: %d\n", t.Replicas)
	w("  persistence: %s\n  appendfsync: %s\n", t.Persistence, t.AppendFsync)
	wl := p.Workload
	w("workload:\n  clients: %d\n  rate: %d\n  value_size: %d\n", wl.Clients, wl.Rate, wl.ValueSize)
	if len(wl.Mix) > 0 {
		kinds := make([]string, len(wl.Mix))
		for i, k := range wl.Mix {
			kinds[i] = string(k)
		}
		w("  mix: [%s]\n", strings.Join(kinds, ", "))
	}
	if wl.CatchUp {
		w("  catch_up: true\n")
	}
	if wl.WaitReplicas > 0 {
		w("  wait_replicas: %d\n  wait_timeout: %s\n", wl.WaitReplicas, wl.WaitTimeout)
	}
	if p.Engine != nil && p.Engine.Archive {
		w("archive: true\n")
	}
	if p.Engine != nil && p.Engine.DetectMode != "" {
		w("detect: %s\n", p.Engine.DetectMode)
	}
	w("steps:\n")
	for _, st := range p.Steps {
		writeStep(w, st)
	}
	w("thresholds:\n  min_acked_before_fault: 100\n")
	if s.AllowLoss == 0 {
		w("  acked_lost_max: 0\n")
	}
	return []byte(b.String()), nil
}

func writeStep(w func(string, ...any), st session.Step) {
	switch st.Action() {
	case "fault":
		f := st.Fault
		w("  - id: %s\n    fault:\n      name: %s\n      target: %q\n", st.ID, f.Name, f.Params.Target.String())
		if f.Params.LossPercent > 0 {
			w("      loss_percent: %g\n", f.Params.LossPercent)
		}
		if f.Params.Companions > 0 {
			w("      companions: %d\n", f.Params.Companions)
		}
		if f.HealAfter > 0 {
			w("      heal_after: %s\n", f.HealAfter)
		}
	case "wait":
		w("  - wait: %s\n", st.Wait)
	case "recover":
		w("  - recover: %s\n", st.Recover)
	case "verify":
		w("  - verify:\n      within: %s\n", st.Verify.Within.Round(time.Millisecond))
		if st.Verify.AfterHeals {
			w("      after_heals: true\n")
		}
		if st.Verify.ExpectReplicas < 0 {
			w("      expect_replicas: -1\n")
		}
	}
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
