// Package scenarios holds the scenario registry — each drill as data:
// topology, workload, fault, recovery and expectations — and the runner that
// carries one out and measures it. The Ginkgo suites in this folder turn each
// registry entry into a spec; the redisdrill CLI runs the same entries.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Recovery says who brings the deployment back.
type Recovery string

// Recovery modes.
const (
	// Native leaves recovery to Redis itself (cluster failover).
	Native Recovery = "native"
	// Engine runs redisdrill's recovery engine right after the fault.
	Engine Recovery = "engine"
)

// Scenario is one drill, as data.
type Scenario struct {
	Name        string
	Description string
	Labels      []string
	Topology    harness.Topology
	Workload    workload.Profile
	Fault       string
	FaultParams fault.Params
	Recovery    Recovery
	// Strategy forces an engine strategy by name; empty lets the engine choose.
	Strategy string
	// WarmUp is how long the workload runs before the fault (default 2s).
	WarmUp time.Duration
	// HealAt heals the fault this long after t0 instead of after recovery
	// (e.g. a pause shorter or longer than node-timeout). 0 = after recovery.
	HealAt time.Duration
	// Settle is how long the workload keeps running after recovery and heal.
	Settle time.Duration
	// WarmSpare gives the engine a warm spare node (see recovery.Options).
	WarmSpare bool
	// PointInTimeBefore is the roll-back target of the point-in-time
	// strategy, relative to the fault.
	PointInTimeBefore time.Duration
	// Archive runs a streaming archiver beside every shard's primary
	// (package recovery/backup/archive) and has the engine restore from it
	// instead of from the newest snapshot.
	Archive bool
	// CorruptArchiveSegment flips a byte in the newest sealed segment of
	// the faulted shard's archive before the fault (with Archive).
	CorruptArchiveSegment bool
	// CorruptNewestBackup takes two backup points and flips a byte in the
	// newest one's RDB on disk: the engine must skip it for the older one.
	CorruptNewestBackup bool
	// RTOTimeout bounds the wait for every shard to take writes again.
	RTOTimeout time.Duration
	// EngineDelay starts the engine's recovery this long after the fault
	// (a slow operator or supervisor): the guard must hold whatever Redis
	// did meanwhile.
	EngineDelay time.Duration
	// DetectWithin bounds the engine's wait for a failure (0 = 30 s).
	DetectWithin time.Duration
	// ProbeDetectable says the engine recovers this drill in probe mode
	// too (detect.ModeProbe: no Docker events or container state, only
	// what a sidecar next to Redis sees); the suite runs it in both modes.
	ProbeDetectable bool
	// Expect holds the scenario's own pass criteria (thresholds files can
	// tighten them).
	Expect Expect
	// OnServers says where a server really behaves differently, keyed by
	// server name ("valkey-9") or product ("valkey"): see ForServer.
	OnServers map[string]ServerRule
}

// Expect is what a scenario promises. Every scenario has a finite loss
// bound — AckedLostMax, or Loss naming an instant the checker derives from
// the run's evidence — and an RTO bound.
type Expect struct {
	// AckedLostMax is the most acked writes the scenario may lose; -1
	// leaves the count to Loss.
	AckedLostMax int
	// Loss bounds the lost writes by an instant of the run (see
	// session.LossBound).
	Loss session.LossBound
	// RTOMax bounds t_ready − t0, from the scenario's measured spread on
	// 2 cores with headroom.
	RTOMax time.Duration
	// Strategy is the strategy the engine must pick ("" = any).
	Strategy string
	// Incident is the incident kind the engine must detect ("" = any).
	Incident string
	// Failover requires Redis to have promoted a new primary for the
	// faulted shard (native scenarios).
	Failover bool
	// NoAction requires the engine to take no action.
	NoAction bool
	// Fenced requires the engine to fence the failed primary and the node
	// to come back as a replica (see session.Expect.Fenced).
	Fenced bool
	// Tolerate names the history anomalies the scenario accepts from
	// writes acked before t_ready; nil takes session.DefaultTolerate
	// (none where no acked write may be lost), an empty list none.
	Tolerate []string
}

// Tolerated returns the history anomalies the scenario tolerates (see
// Expect.Tolerate).
func (s Scenario) Tolerated() []string {
	if s.Expect.Tolerate != nil {
		return s.Expect.Tolerate
	}
	return session.DefaultTolerate(s.Expect.Loss, s.Expect.AckedLostMax != 0)
}

// RestartPolicy is what the nodes' supervisors do when a server exits on
// its own (the topology's, default always).
func (s Scenario) RestartPolicy() harness.RestartPolicy {
	if s.Topology.Restart == "" {
		return harness.RestartAlways
	}
	return s.Topology.Restart
}

// HasLabel reports whether the scenario carries the label.
func (s Scenario) HasLabel(l string) bool {
	for _, x := range s.Labels {
		if x == l {
			return true
		}
	}
	return false
}

// AllLabels returns the scenario's labels plus the derived fault:, topology:
// and recovery: labels.
func (s Scenario) AllLabels() []string {
	out := append([]string(nil), s.Labels...)
	out = append(out, "fault:"+s.Fault, "topology:"+string(s.Topology.Kind), "recovery:"+string(s.Recovery))
	return out
}

func (s Scenario) withDefaults() Scenario {
	if s.WarmUp == 0 {
		s.WarmUp = 2 * time.Second
	}
	if s.Settle == 0 {
		s.Settle = 500 * time.Millisecond
	}
	if s.RTOTimeout == 0 {
		s.RTOTimeout = 60 * time.Second
	}
	if s.Workload.Clients == 0 {
		s.Workload = workload.DefaultProfile()
	}
	if s.Recovery == "" {
		s.Recovery = Engine
	}
	return s
}

// Validate reports a scenario that cannot run.
func (s Scenario) Validate() error {
	if s.Name == "" || strings.ContainsAny(s.Name, " \t/") {
		return fmt.Errorf("validate scenario: bad name %q", s.Name)
	}
	if err := s.Topology.Validate(); err != nil {
		return fmt.Errorf("validate scenario %s: %w", s.Name, err)
	}
	if _, err := fault.New(s.Fault, s.FaultParams); err != nil {
		return fmt.Errorf("validate scenario %s: %w", s.Name, err)
	}
	switch s.Recovery {
	case "", Native, Engine:
	default:
		return fmt.Errorf("validate scenario %s: unknown recovery %q", s.Name, s.Recovery)
	}
	if s.Expect.AckedLostMax < 0 && s.Expect.Loss == "" {
		return fmt.Errorf("validate scenario %s: no loss bound (set AckedLostMax or Loss)", s.Name)
	}
	if s.Expect.RTOMax <= 0 {
		return fmt.Errorf("validate scenario %s: no RTO bound", s.Name)
	}
	return s.Plan().Validate()
}

// Plan compiles the scenario into the steps of a drill session: the
// warm-up with its backup point, the fault (healed HealAt after its onset
// when set), then recovery by the engine or by Redis.
func (s Scenario) Plan() session.Plan {
	s = s.withDefaults()
	p := session.Plan{
		Name: s.Name, Description: s.Description, Labels: s.AllLabels(),
		Topology: s.Topology, Workload: s.Workload,
		WarmUp: s.WarmUp, Settle: s.Settle, RTOTimeout: s.RTOTimeout,
		Steps: []session.Step{
			{ID: "fault", Fault: &session.FaultStep{Name: s.Fault, Params: s.FaultParams, HealAfter: s.HealAt}},
		},
		Expect: session.Expect{Strategy: s.Expect.Strategy, Incident: s.Expect.Incident, Loss: s.Expect.Loss,
			Failover: s.Expect.Failover, NoAction: s.Expect.NoAction, Fenced: s.Expect.Fenced,
			Tolerate: s.Tolerated()},
	}
	if s.EngineDelay > 0 {
		p.Steps = append(p.Steps, session.Step{ID: "engine-delay", Wait: s.EngineDelay})
	}
	p.Steps = append(p.Steps, session.Step{ID: "recover", Recover: string(s.Recovery)})
	if s.Expect.AckedLostMax >= 0 {
		n := int64(s.Expect.AckedLostMax)
		p.Limits.AckedLostMax = &n
	}
	if s.Expect.RTOMax > 0 {
		d := reports.Millis(s.Expect.RTOMax)
		p.Limits.RTOMax = &d
	}
	if s.Recovery == Engine {
		p.Engine = &session.EngineSpec{
			Strategy: s.Strategy, WarmSpare: s.WarmSpare, PointInTimeBefore: s.PointInTimeBefore,
			CorruptNewestBackup: s.CorruptNewestBackup, CorruptShard: s.FaultParams.Target.Shard,
			DetectWithin: s.DetectWithin, Archive: s.Archive, CorruptArchiveSegment: s.CorruptArchiveSegment,
		}
	}
	return p
}
