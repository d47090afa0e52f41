package explore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Generation bounds.
const (
	minGap = time.Second
	maxGap = 5 * time.Second
	// overlapChance is the chance that a fault is injected while the
	// previous one is still active.
	overlapChance = 0.25
	// recoverAllowance is what the generator reckons a burst needs after
	// its heal to converge, so the schedule fits its duration.
	recoverAllowance = 2 * time.Second
	// maxEvents bounds a schedule however long it is.
	maxEvents = 500
)

// span is a range of durations, in milliseconds.
type span struct{ lo, hi time.Duration }

func (s span) draw(r *rand.Rand) time.Duration {
	if s.hi <= s.lo {
		return s.lo
	}
	ms := s.lo.Milliseconds() + r.Int64N(s.hi.Milliseconds()-s.lo.Milliseconds()+1)
	return time.Duration(ms/100*100) * time.Millisecond
}

// durationOf is how long a fault of this kind lasts; zero for faults with
// nothing to heal.
func durationOf(name string) span {
	switch {
	case name == "flushall" || name == "restart":
		return span{}
	case name == "pause":
		return span{time.Second, 8 * time.Second}
	case strings.HasPrefix(name, "partition"):
		return span{2 * time.Second, 10 * time.Second}
	case name == "kill" || name == "stop":
		return span{2 * time.Second, 8 * time.Second}
	case name == "disk-full" || name == "loss" || name == "delay":
		return span{2 * time.Second, 6 * time.Second}
	}
	// Corruption kinds leave the node stopped until the heal starts it.
	return span{time.Second, 4 * time.Second}
}

// primaryOnly names the faults that only make sense on a primary.
func primaryOnly(name string) bool {
	return name == "flushall" || name == "partition-minority" || name == "disk-full"
}

// Generate draws a schedule from the configuration; the same
// configuration (after Normalize) always gives the same schedule.
func Generate(c Config) (Schedule, error) {
	c, err := c.Normalize()
	if err != nil {
		return Schedule{}, fmt.Errorf("generate schedule: %w", err)
	}
	topo, err := rediskit.ParseTopologyName(c.Topology)
	if err != nil {
		return Schedule{}, fmt.Errorf("generate schedule: %w", err)
	}
	r := rand.New(rand.NewPCG(uint64(c.Seed), 0x9e3779b97f4a7c15))
	s := Schedule{
		Version: ScheduleVersion, Seed: c.Seed, Duration: Duration(c.Duration), Faults: c.Faults, Topology: c.Topology,
		NodeTimeout: Duration(c.NodeTimeout), Recovery: c.Recovery, Detect: c.Detect, Archive: c.Archive, Durability: c.Durability,
		AllowLoss: Duration(c.AllowLoss), ConvergeBound: Duration(c.ConvergeBound),
	}
	for len(s.Events) < maxEvents {
		e := drawEvent(r, c.Faults, topo)
		e.ID = fmt.Sprintf("f%d", len(s.Events)+1)
		e.Gap = Duration(span{minGap, maxGap}.draw(r))
		if n := len(s.Events); n > 0 && r.Float64() < overlapChance {
			prev := s.Events[n-1]
			if canOverlap(prev, e, topo) {
				// Inject while prev still lasts: a gap shorter than it.
				e.Overlap = true
				e.Gap = Duration(span{200 * time.Millisecond, max(prev.Duration.D()-200*time.Millisecond, 200*time.Millisecond)}.draw(r))
			}
		}
		next := append(s.Events, e)
		cand := s
		cand.Events = next
		need := cand.Length() + time.Duration(len(cand.Bursts()))*recoverAllowance
		if need > c.Duration && len(s.Events) > 0 {
			break
		}
		s.Events = next
	}
	return s, nil
}

// drawEvent draws a fault kind, its role-aware target and its duration.
func drawEvent(r *rand.Rand, kinds []string, topo harness.Topology) Event {
	name := kinds[r.IntN(len(kinds))]
	e := Event{Fault: name, Duration: Duration(durationOf(name).draw(r))}
	e.Target = drawTarget(r, name, topo)
	switch name {
	case "loss":
		e.LossPercent = float64(20 + 10*r.IntN(5))
	}
	return e
}

// drawTarget picks a target the fault can hit in the topology: mostly a
// shard's primary, sometimes a replica.
func drawTarget(r *rand.Rand, name string, topo harness.Topology) fault.Target {
	hasReplica := topo.Kind != harness.KindStandalone && topo.Replicas > 0
	if hasReplica && !primaryOnly(name) && r.IntN(4) == 0 {
		return fault.Target{Role: fault.RoleReplica}
	}
	if topo.Kind != harness.KindCluster {
		return fault.Target{Role: fault.RolePrimary}
	}
	return fault.Target{Role: fault.RoleShardPrimary, Shard: r.IntN(topo.Primaries)}
}

// canOverlap reports whether e may be injected while prev is active: prev
// must last, and the two must hit different shards so that neither fault
// undoes the other. partition-minority overlaps nothing: it installs and
// removes its routes inside every node, which a paused or stopped node
// cannot take.
func canOverlap(prev, e Event, topo harness.Topology) bool {
	if prev.Overlap || prev.Duration.D() < time.Second || topo.Kind != harness.KindCluster || topo.Primaries < 2 {
		return false
	}
	if prev.Fault == "partition-minority" || e.Fault == "partition-minority" {
		return false
	}
	return shardOf(prev.Target) != shardOf(e.Target)
}

// shardOf is the shard a target hits (replica means shard 0's replica).
func shardOf(t fault.Target) int {
	if t.Role == fault.RoleShardPrimary || t.Role == fault.RoleShard {
		return t.Shard
	}
	return 0
}
