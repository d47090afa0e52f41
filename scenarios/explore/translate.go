package explore

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Timings of an explore plan.
const (
	// detectWithin bounds how long a recover step waits for the engine to
	// see a failure: faults the engine cannot see (a short pause, a cut-off
	// replica) must not hold the schedule up.
	detectWithin = 5 * time.Second
	// waitTimeout is the WAIT timeout of the strict durability.
	waitTimeout = 500 * time.Millisecond
	// healOnly is the heal delay of faults with nothing to heal, so their
	// record gets an end.
	healOnly = time.Millisecond
)

// Step id prefixes of the steps a schedule compiles to.
const (
	recoverPrefix  = "recover-"
	convergePrefix = "converge-"
)

// HarnessTopology is the deployment the schedule runs on: its topology name and
// node timeout, with the durability's appendfsync.
func (s Schedule) HarnessTopology() (harness.Topology, error) {
	t, err := rediskit.ParseTopologyName(s.Topology)
	if err != nil {
		return harness.Topology{}, fmt.Errorf("topology: %w", err)
	}
	if t.Kind == harness.KindCluster {
		t.NodeTimeout = s.NodeTimeout.D()
	}
	t.Persistence = harness.PersistAOF
	t.AppendFsync = "everysec"
	if s.Durability == DurabilityStrict {
		t.AppendFsync = "always"
	}
	return t, nil
}

// Profile is the workload: the default profile's clients and rate making
// every kind of write (workload.MixAll, drawn from the run's seed) on
// a schedule that counts latency from when each op was due, with WAIT 1
// after every write under strict durability.
func (s Schedule) Profile() workload.Profile {
	p := workload.DefaultProfile()
	p.Mix, p.CatchUp = workload.MixAll(), true // seeded by the session from Env.Seed (runSchedule sets the schedule's)
	if s.Durability == DurabilityStrict {
		p.WaitReplicas, p.WaitTimeout = 1, waitTimeout
	}
	return p
}

// Plan compiles the schedule into one session plan named name. Each burst
// becomes: a wait for its gap, its fault steps (each healed after its
// duration, overlapping ones after their own gaps), a recover step (engine
// or native) while the faults last, and a verify step that waits for the
// burst's heals and must then pass within the convergence bound.
func (s Schedule) Plan(name string) (session.Plan, error) {
	if err := s.Validate(); err != nil {
		return session.Plan{}, err
	}
	topo, err := s.HarnessTopology()
	if err != nil {
		return session.Plan{}, fmt.Errorf("compile schedule: %w", err)
	}
	p := session.Plan{
		Name:        name,
		Description: fmt.Sprintf("explore seed %d: %d fault(s) over %s (%s recovery, %s durability)", s.Seed, len(s.Events), s.Length(), s.Recovery, s.Durability),
		Labels:      []string{"explore", "recovery:" + s.Recovery, "durability:" + s.Durability},
		Topology:    topo,
		Workload:    s.Profile(),
	}
	if s.Recovery == RecoveryEngine {
		p.Engine = &session.EngineSpec{DetectMode: s.Detect, DetectWithin: detectWithin, Archive: s.Archive}
	}
	expectReplicas := 0
	if s.Recovery == RecoveryEngine || topo.Kind == harness.KindStandalone {
		// The engine may retire a node it fenced; standalone has none.
		expectReplicas = -1
	}
	for k, b := range s.Bursts() {
		for _, i := range b {
			e := s.Events[i]
			if e.Gap > 0 {
				p.Steps = append(p.Steps, session.Step{ID: fmt.Sprintf("gap-%s", e.ID), Wait: e.Gap.D()})
			}
			heal := e.Duration.D()
			if heal == 0 {
				heal = healOnly
			}
			p.Steps = append(p.Steps, session.Step{ID: e.ID, Fault: &session.FaultStep{Name: e.Fault, Params: e.params(), HealAfter: heal}})
		}
		p.Steps = append(p.Steps,
			session.Step{ID: fmt.Sprintf("%s%d", recoverPrefix, k+1), Recover: s.Recovery},
			session.Step{ID: fmt.Sprintf("%s%d", convergePrefix, k+1), Verify: &session.VerifyStep{
				Within: s.ConvergeBound.D(), ExpectReplicas: expectReplicas, AfterHeals: true,
			}},
		)
	}
	if err := p.Validate(); err != nil {
		return session.Plan{}, fmt.Errorf("compile schedule: %w", err)
	}
	return p, nil
}
