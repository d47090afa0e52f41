package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
)

// durable is a cluster whose acked writes survive a primary loss: AOF with
// appendfsync always, and every write WAITs for one replica.
func durableCluster(nodeTimeout time.Duration) harness.Topology {
	t := harness.DefaultCluster()
	t.NodeTimeout = nodeTimeout
	t.AppendFsync = "always"
	return t
}

func waitOneReplica() workload.Profile {
	p := workload.DefaultProfile()
	p.WaitReplicas, p.WaitTimeout = 1, 500*time.Millisecond
	return p
}

func shardPrimary(k int) fault.Params {
	return fault.Params{Target: fault.Target{Role: fault.RoleShardPrimary, Shard: k}}
}

// All returns every registered scenario, sorted by name.
func All() []Scenario {
	list := []Scenario{
		{
			Name:        "smoke-primary-kill-native",
			Description: "SIGKILL the primary of shard 0 in a 3x1 cluster; Redis's own failover (node-timeout 5000) brings it back; WAIT 1 + appendfsync always loses no acked write",
			Labels:      []string{"smoke", "native"},
			Topology:    durableCluster(5 * time.Second), Workload: waitOneReplica(),
			Fault: "kill", FaultParams: shardPrimary(0), Recovery: Native,
			Expect: Expect{AckedLostMax: 0},
		},
		{
			Name:        "primary-kill-engine",
			Description: "SIGKILL the primary of shard 0 in a 3x1 cluster; the engine promotes the replica (CLUSTER FAILOVER FORCE) long before Redis's own failover at node-timeout 5000",
			Labels:      []string{"recovery", "promote"},
			Topology:    durableCluster(5 * time.Second), Workload: waitOneReplica(),
			Fault: "kill", FaultParams: shardPrimary(0), Recovery: Engine,
			Expect: Expect{AckedLostMax: 0, Strategy: "promote-replica", Incident: "primary-down"},
		},
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// Names lists every scenario name.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// Find returns the scenario with the given name.
func Find(name string) (Scenario, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("find scenario: unknown scenario %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Select returns the scenarios named (all when names is empty) that match
// the Ginkgo-style label expression (e.g. "recovery && !slow"; empty = all).
func Select(names []string, labelExpr string) ([]Scenario, error) {
	var pool []Scenario
	if len(names) == 0 {
		pool = All()
	} else {
		for _, n := range names {
			s, err := Find(n)
			if err != nil {
				return nil, err
			}
			pool = append(pool, s)
		}
	}
	if strings.TrimSpace(labelExpr) == "" {
		return pool, nil
	}
	filter, err := types.ParseLabelFilter(labelExpr)
	if err != nil {
		return nil, fmt.Errorf("parse label expression %q: %w", labelExpr, err)
	}
	var out []Scenario
	for _, s := range pool {
		if filter(s.AllLabels()) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("select scenarios: no scenario matches %q", labelExpr)
	}
	return out, nil
}
