// Package scenarios holds the scenario registry — each drill as data:
// topology, workload, fault, recovery and expectations — and the runner that
// carries one out and measures it. The Ginkgo suites in this folder turn each
// registry entry into a spec; the redisdrill CLI runs the same entries.
package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
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
	// CorruptNewestBackup takes two backup points and flips a byte in the
	// newest one's RDB on disk: the engine must skip it for the older one.
	CorruptNewestBackup bool
	// RTOTimeout bounds the wait for every shard to take writes again.
	RTOTimeout time.Duration
	// Expect holds the scenario's own pass criteria (thresholds files can
	// tighten them).
	Expect Expect
}

// Expect is what a scenario promises.
type Expect struct {
	// AckedLostMax is the most acked writes the scenario may lose; -1 = no limit.
	AckedLostMax int
	// Strategy is the strategy the engine must pick ("" = any).
	Strategy string
	// Incident is the incident kind the engine must detect ("" = any).
	Incident string
	// LossOnlyAfter, when set, requires every lost acked write to have
	// completed no earlier than this long before the fault (a point-in-time
	// rollback may only lose what came after its target second).
	LossOnlyAfter time.Duration
	// LossOnlyAfterBackup requires every lost acked write to have completed
	// after the backup the engine restored was started: a restore may only
	// lose what the backup could not have held.
	LossOnlyAfterBackup bool
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
	return nil
}
