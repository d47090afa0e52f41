package scenarios

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// ServerRule says how a scenario differs on one server, where the server
// really behaves differently.
type ServerRule struct {
	// Skip, when set, says why the scenario cannot run on the server: it is
	// reported as skipped (reports.StatusSkip) and nothing starts.
	Skip string
	// Adjust changes the scenario for the server (its expectations, its
	// parameters); nil changes nothing.
	Adjust func(*Scenario)
	// Why is the behaviour difference, in one sentence.
	Why string
	// Source is where the difference is documented: the server's source
	// file, test or release note.
	Source string
}

// ForServer returns the scenario as it runs on srv, with the rule applied,
// and the rule (nil when srv behaves as the scenario expects). A rule keyed
// by the server's name ("valkey-9") wins over one keyed by its product
// ("valkey").
func (s Scenario) ForServer(srv harness.Server) (Scenario, *ServerRule) {
	rule, ok := s.OnServers[srv.Name]
	if !ok {
		rule, ok = s.OnServers[srv.Product]
	}
	if !ok {
		return s, nil
	}
	if rule.Adjust != nil {
		rule.Adjust(&s)
	}
	return s, &rule
}

// DeploymentOn is the deployment s starts on srv from image, for a
// harness.Pool to start ahead of time; nil when srv skips s.
func (s Scenario) DeploymentOn(srv harness.Server, image string) *harness.Spec {
	run, rule := s.ForServer(srv)
	if rule != nil && rule.Skip != "" {
		return nil
	}
	return &harness.Spec{Topology: run.Plan().Topology, Image: image}
}

// skipped is the result of a scenario a server cannot run.
func skipped(env session.Env, sc Scenario, rule *ServerRule) *session.Outcome {
	reason := rule.Skip
	if rule.Source != "" {
		reason += " (source: " + rule.Source + ")"
	}
	now := time.Now().UTC()
	return &session.Outcome{Result: reports.ScenarioResult{
		Name: sc.Name, Labels: sc.AllLabels(), Description: sc.Description,
		Topology: sc.Topology.String(), Server: env.Server.Name, Image: env.Image, Seed: env.Seed,
		Fault: reports.FaultRecord{Name: sc.Fault}, Strategy: "none", T0: now,
		Verdict: reports.Verdict{Status: reports.StatusSkip, Reasons: []string{reason}},
	}}
}

// runOnServer carries out sc as it runs on env.Server, or reports it
// skipped there.
func runOnServer(ctx context.Context, env session.Env, sc Scenario) (*session.Outcome, error) {
	sc, rule := sc.ForServer(env.Server)
	if rule != nil && rule.Skip != "" {
		return skipped(env, sc, rule), nil
	}
	return session.Run(ctx, env, sc.Plan())
}

// setSlotViaGossip is the rule of the replace scenarios on Valkey: Valkey
// 8.0+ primaries block every CLUSTER SETSLOT until their replicas have
// applied it, so the engine leaves the adopted slots to the cluster bus
// (the fresh node's bumped epoch) instead of telling every primary slot by
// slot; other nodes learn the new owner by gossip, which adds up to
// about extra to the RTO.
func setSlotViaGossip(extra time.Duration) ServerRule {
	return ServerRule{
		Adjust: func(s *Scenario) { s.Expect.RTOMax += extra },
		Why:    "CLUSTER SETSLOT blocks for the replicas' ack on Valkey 8+, so the new slot owner spreads by gossip",
		Source: "valkey src/cluster_legacy.c clusterCommandSetSlot (tag 8.0.1): \"Force-replicate the command to all of our replicas first and only on success will we handle the command\"",
	}
}
