package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/scenarios/session"
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

// minReplicasMaxLag sets t's min-replicas-max-lag: a replica whose last
// acknowledgement is older than lag seconds no longer counts for
// min-replicas-to-write.
func minReplicasMaxLag(t harness.Topology, lag int) harness.Topology {
	t.ExtraConf = append(slices.Clone(t.ExtraConf), fmt.Sprintf("min-replicas-max-lag %d", lag))
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
		{
			Name:        "sentinel-primary-kill-engine",
			Description: "the sentinel-primary-kill-native fault (SIGKILL the primary's machine, sentinel 1+2, down-after-milliseconds 5000), recovered by the engine: as soon as it detects the crash it has the Sentinels fail over at once (SENTINEL FAILOVER), long before down-after-milliseconds",
			Labels:      []string{"sentinel", "recovery", "promote"},
			Topology:    minReplicasToWrite(sentinelTopology(2, 5*time.Second), 1), Workload: waitOneReplica(),
			Fault: "kill", FaultParams: fault.Params{Target: fault.Target{Role: fault.RolePrimary}}, Recovery: Engine,
			ProbeDetectable: true,
			// 2.27-2.39 s in 9 of 12 runs on 2 busy cores (2026-12-07,
			// redis-7.0, both detect modes), against the native drill's
			// 7.1 s: the engine sends SENTINEL FAILOVER once Docker has
			// finished the kill (it asks about the machine, and Docker
			// answers 0.3-1.2 s after t0 here), the leader sees its replica
			// promoted at its next INFO about 1 s later, and go-redis's
			// failover client reaches it at its pool's next dial retry
			// (about t0 + 2.3 s). Kills that Docker finished late missed
			// that retry twice (2.63 and 3.16 s, probe); once a 200 ms probe timeout
			// on the new primary while the heal booted the old machine, 4 s
			// after the recovery, put t_ready at 7.03 s (auto). The bound
			// is twice that.
			Expect: Expect{AckedLostMax: 0, RTOMax: 15 * time.Second, Strategy: "promote-replica", Incident: "primary-down"},
		},
		{
			Name:        "sentinel-pause-fenced",
			Description: "freeze the primary of a sentinel 1+2 deployment for 4 s (beyond the engine's detect window, within down-after-milliseconds 5000): the engine fences it (SIGKILL while frozen), has the Sentinels fail over at once (SENTINEL FAILOVER) and readmits the old primary as a replica after the heal; no node acks a write it should not",
			Labels:      []string{"sentinel", "recovery", "pause", "fence"},
			Topology:    minReplicasMaxLag(minReplicasToWrite(sentinelTopology(2, 5*time.Second), 1), 2), Workload: waitOneReplica(),
			Fault: "pause", FaultParams: fault.Params{Target: fault.Target{Role: fault.RolePrimary}}, Recovery: Engine,
			HealAt:          4 * time.Second,
			ProbeDetectable: true,
			// 3.99-4.15 s in 6 runs, both detect modes (2026-12-07,
			// redis-7.0, quiet): the 1.5 s detect window (judged down at
			// 1.73-1.75 s), the fence, SENTINEL FAILOVER (~1.1 s until the
			// leader sees its replica promoted) and the client's next dial.
			// Sentinel alone would wait down-after-milliseconds (the bench's
			// sentinel-failover-silent: 6.75 s). The bound is twice the
			// slowest; the fenced node comes back a replica of the new
			// primary.
			Expect: Expect{AckedLostMax: 0, RTOMax: 9 * time.Second, Strategy: "promote-replica", Failover: true, Fenced: true},
		},
		{
			Name:        "sentinel-empty-restart-guard",
			Description: "the primary of a sentinel 1+2 deployment loses its data files (dump.rdb, appendonlydir) and its supervisor restarts it at once, empty, long before down-after-milliseconds: Sentinel never fails over and the replicas would full-sync the empty dataset; the engine stops the emptied primary and has the Sentinels promote a replica that kept the data",
			Labels:      []string{"sentinel", "recovery", "guard"},
			Topology:    minReplicasToWrite(sentinelTopology(2, 5*time.Second), 1), Workload: waitOneReplica(),
			Fault: "wipe-data-keep-identity", FaultParams: corruptAndRestart(fault.Target{Role: fault.RolePrimary}), Recovery: Engine,
			ProbeDetectable: true,
			// 2.24-2.61 s in probe mode, 3.56-5.34 s in auto mode (7 runs,
			// 2026-12-07, redis-7.0): the fault itself (freeze, wipe, crash)
			// takes 0.4-1.4 s before the engine sees the server go; it holds
			// the restarting server down, fences it and has the Sentinels
			// promote a replica that kept the data; with WAIT 1 and
			// appendfsync always no acked write was lost. The bound is
			// twice the slowest.
			Expect: Expect{AckedLostMax: 0, RTOMax: 11 * time.Second, Strategy: "promote-replica"},
		},
		{
			Name:        "sentinel-minority-partition",
			Description: "cut the primary of a sentinel 1+2 deployment off from its replicas and the three Sentinels for 12 s (down-after-milliseconds 5 s + failover + headroom) while clients still reach it; with min-replicas-to-write 1 and min-replicas-max-lag 2 it refuses writes within about 3 s of the cut, Sentinel fails over on the majority side and demotes it at the heal: only what it acked before refusing is lost",
			Labels:      []string{"sentinel", "partition", "native"},
			Topology:    minReplicasMaxLag(minReplicasToWrite(sentinelTopology(2, 5*time.Second), 1), 2), Workload: workload.DefaultProfile(),
			Fault: "partition-minority", FaultParams: fault.Params{Target: fault.Target{Role: fault.RolePrimary}}, Recovery: Native,
			HealAt: 12 * time.Second,
			// The engine's probes, beside the clients, still reach the
			// primary: only Sentinel, on the majority side, can see it
			// gone, so the drill is native. Measured (6 runs, 2026-12-07,
			// redis-7.0): the routes are in place 0.8-1.4 s after t0 (an
			// exec in six machines at once); the isolated primary answers
			// NOREPLICAS 1.6-3.2 s later (min-replicas-max-lag 2, counted
			// in whole seconds from the replicas' last once-a-second ACK);
			// Sentinel fails over at about down-after + 1.3 s and clients
			// follow its +switch-master: RTO 7.15-8.39 s. Lost: 2506-5122
			// of the writes acked in that window (the workload's 2000
			// ops/s), all after t0. Without min-replicas-to-write the
			// primary would ack every write until the heal, and lose them
			// all when Sentinel demotes it. The bounds are about twice the
			// worst.
			Expect: Expect{AckedLostMax: 10000, Loss: session.LossAfterFault, Failover: true, RTOMax: 17 * time.Second},
		},
	}
}
