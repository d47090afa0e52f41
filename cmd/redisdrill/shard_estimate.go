package main

import (
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios"
)

// Constants of the drill time model (estimate).
const (
	// startBase and a third of a second per node (startNodesPerSecond
	// nodes a second) model a deployment's start: about 5 s for a 3-node
	// cluster (3x0) and 6 s for a 3x1 cluster on 2 cores.
	startBase           = 4 * time.Second
	startNodesPerSecond = 3
	// finishCost is the final read, the evidence and the teardown.
	finishCost = time.Second
	// rtoShare is how much of a scenario's RTO bound a run is expected to
	// take: a third.
	rtoShare = 3
)

// estimate is the expected wall time of one run of s, derived from the
// registry alone (no measurement file), so that every CI job computes the
// same split: the deployment's start (startBase + a third of a second per
// node, the warm spare included), the warm-up (2 s unless the scenario
// sets one), the recovery — a third of the scenario's RTO bound RTOMax
// (rtoShare: the bounds carry about that much headroom over a quiet run,
// and an engine delay lies within them) — plus the heal time HealAt when
// the fault is healed on a timer (the run waits for the heal and the
// node's return), the settle (0.5 s unless set), then finishCost.
//
// Calibrated on docs/runs/2026-12-06/quiet-6 (27 scenarios, 2 cores,
// 8–13.4 s from one scenario's fault to the next's): the estimates add up to
// 336 s against 284 s measured and rank the scenarios with a correlation
// of 0.65, where the whole RTO bound would give 475 s and 0.61 (the native
// smoke's 35 s bound against its 8.7 s failover). The pool hides most of a
// deployment's start behind the previous scenario (each shard pays it
// once in full), so the absolute figure leans long; the split needs only
// that it ranks and adds up scenarios consistently.
func estimate(s scenarios.Scenario) time.Duration {
	p := s.Plan()
	nodes := p.Topology.NodeCount()
	if s.WarmSpare {
		nodes++
	}
	start := startBase + time.Duration(nodes)*time.Second/startNodesPerSecond
	return start + p.WarmUp + s.Expect.RTOMax/rtoShare + s.HealAt + p.Settle + finishCost
}

// estimateOn is s's estimate summed over the servers it runs on: each
// server's version of s (Scenario.ForServer), nothing where the server
// skips it. No server (the default image) counts s once as registered.
func estimateOn(s scenarios.Scenario, servers []harness.Server) time.Duration {
	if len(servers) == 0 {
		return estimate(s)
	}
	var total time.Duration
	for _, srv := range servers {
		run, rule := s.ForServer(srv)
		if rule != nil && rule.Skip != "" {
			continue
		}
		total += estimate(run)
	}
	return total
}
