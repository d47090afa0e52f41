package explore

import (
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/scenarios/plan"
)

func sample() Schedule {
	return Schedule{
		Version: ScheduleVersion, Seed: 1, Duration: Duration(time.Minute), Faults: []string{"kill", "pause"},
		Topology: "3x1", NodeTimeout: Duration(5 * time.Second), Recovery: RecoveryEngine, Durability: DurabilityStrict,
		ConvergeBound: Duration(30 * time.Second),
		Events: []Event{
			{ID: "f1", Fault: "kill", Target: fault.Target{Role: fault.RoleShardPrimary, Shard: 1}, Gap: Duration(time.Second), Duration: Duration(3 * time.Second)},
			{ID: "f2", Fault: "pause", Target: fault.Target{Role: fault.RoleShardPrimary, Shard: 2}, Gap: Duration(time.Second), Duration: Duration(4 * time.Second), Overlap: true},
			{ID: "f3", Fault: "pause", Target: fault.Target{Role: fault.RoleReplica}, Gap: Duration(2 * time.Second), Duration: Duration(2 * time.Second)},
		},
	}
}

func TestPlanCompilesBursts(t *testing.T) {
	s := sample()
	if got := s.Length(); got != 1*time.Second+5*time.Second+2*time.Second+2*time.Second {
		t.Fatalf("length %s", got)
	}
	p, err := s.Plan("x")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, st := range p.Steps {
		actions = append(actions, st.Action()+":"+st.ID)
	}
	want := []string{"wait:gap-f1", "fault:f1", "wait:gap-f2", "fault:f2", "recover:recover-1", "verify:converge-1", "wait:gap-f3", "fault:f3", "recover:recover-2", "verify:converge-2"}
	if len(actions) != len(want) {
		t.Fatalf("steps %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("steps %v, want %v", actions, want)
		}
	}
	if p.Workload.WaitReplicas != 1 || p.Topology.AppendFsync != "always" || p.Engine == nil {
		t.Fatalf("strict durability with the engine not applied: %+v %+v", p.Workload, p.Topology)
	}
	s.Durability, s.Recovery = DurabilityRelaxed, RecoveryNative
	p, err = s.Plan("x")
	if err != nil {
		t.Fatal(err)
	}
	if p.Workload.WaitReplicas != 0 || p.Topology.AppendFsync != "everysec" || p.Engine != nil {
		t.Fatalf("relaxed native not applied: %+v %+v", p.Workload, p.Topology)
	}
}

func TestPlanYAMLRunsAsAPlan(t *testing.T) {
	for _, rec := range []string{RecoveryEngine, RecoveryNative} {
		s := sample()
		s.Recovery = rec
		b, err := s.PlanYAML("explore-regression")
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Parse(b)
		if err != nil {
			t.Fatalf("%s\n%s", err, b)
		}
		sp, err := p.Session()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := s.Plan("explore-regression")
		if len(sp.Steps) != len(want.Steps) {
			t.Fatalf("plan has %d steps, schedule %d", len(sp.Steps), len(want.Steps))
		}
		for i := range want.Steps {
			a, b := sp.Steps[i], want.Steps[i]
			if a.Action() != b.Action() || a.ID != b.ID && a.Action() == "fault" || a.Wait != b.Wait || a.Recover != b.Recover {
				t.Fatalf("step %d: %+v, want %+v", i, a, b)
			}
			if a.Fault != nil && (a.Fault.Name != b.Fault.Name || a.Fault.HealAfter != b.Fault.HealAfter || a.Fault.Params.Target != b.Fault.Params.Target) {
				t.Fatalf("step %d: %+v, want %+v", i, *a.Fault, *b.Fault)
			}
			if a.Verify != nil && (a.Verify.Within != b.Verify.Within || a.Verify.AfterHeals != b.Verify.AfterHeals || a.Verify.ExpectReplicas != b.Verify.ExpectReplicas && b.Verify.ExpectReplicas != 0) {
				t.Fatalf("step %d: %+v, want %+v", i, *a.Verify, *b.Verify)
			}
		}
		if sp.Topology.String() != want.Topology.String() || sp.Topology.AppendFsync != want.Topology.AppendFsync || sp.Topology.NodeTimeout != want.Topology.NodeTimeout || sp.Workload.WaitReplicas != want.Workload.WaitReplicas {
			t.Fatalf("deployment differs: %+v vs %+v", sp.Topology, want.Topology)
		}
	}
}
