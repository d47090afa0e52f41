package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
)

// sentinelTopology is a primary with replicas under the default three
// Sentinels (quorum 2), down-after-milliseconds downAfter, AOF with fsync
// always: with the workload's WAIT 1, every acked write is on a replica
// before the client hears of it.
func sentinelTopology(replicas int, downAfter time.Duration) harness.Topology {
	return harness.Topology{Kind: harness.KindSentinel, Primaries: 1, Replicas: replicas, NodeTimeout: downAfter,
		Persistence: harness.PersistAOF, AppendFsync: "always"}
}

// minReplicasToWrite makes t's primaries refuse writes while fewer than n
// replicas are connected and acknowledging (min-replicas-to-write n,
// min-replicas-max-lag left at its 10 s).
func minReplicasToWrite(t harness.Topology, n int) harness.Topology {
	t.ExtraConf = append(slices.Clone(t.ExtraConf), fmt.Sprintf("min-replicas-to-write %d", n))
	return t
}

// sentinelScenarios are the drills of a primary with replicas under
// Redis Sentinel, the other way most of production runs Redis.
func sentinelScenarios() []Scenario {
	return []Scenario{
		{
			Name:        "sentinel-primary-kill-native",
			Description: "SIGKILL the primary's machine in a sentinel 1+2 deployment (down-after-milliseconds 5000); Sentinel's own failover promotes a replica and clients find it through Sentinel; WAIT 1 + appendfsync always loses no acked write",
			Labels:      []string{"sentinel", "native", "smoke"},
			// min-replicas-to-write 1, as Redis's Sentinel docs advise: the
			// old primary's machine boots again at the heal as a primary
			// (its own config) and stays one until a Sentinel demotes it,
			// 8 s (4 publish periods) after it sees it plus up to one 10 s
			// INFO period; without a replica it refuses writes meanwhile.
			// Without the setting the watcher confirmed it taking writes
			// beside the new primary for 10.6 s (split-brain, measured).
			Topology: minReplicasToWrite(sentinelTopology(2, 5*time.Second), 1), Workload: waitOneReplica(),
			Fault: "kill", FaultParams: fault.Params{Target: fault.Target{Role: fault.RolePrimary}}, Recovery: Native,
			// 7.09-7.15 s in 7 runs on 2 busy cores (2026-12-07, redis-7.0
			// and valkey-9, both detect modes): SDOWN at down-after + 0.1 s,
			// ODOWN, election and the replica promoted by down-after +
			// 1.3 s (Sentinel sees the promotion at its next 1 s INFO),
			// then go-redis's failover client, whose pool retries a failed
			// dial once a second, reaches the new primary at its next
			// retry. The bound is twice that. It does not cover a failed
			// election: three Sentinels that start one each at the same
			// instant split their votes and retry after 2 x
			// failover-timeout (about 27 s in all).
			Expect: Expect{AckedLostMax: 0, Failover: true, RTOMax: 15 * time.Second},
		},
	}
}
