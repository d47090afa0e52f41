package scenarios

import (
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// standalone is one redis-server with the given persistence (fsync
// always for AOF), supervised with restart always.
func standalone(p harness.Persistence) harness.Topology {
	return harness.Topology{Kind: harness.KindStandalone, Primaries: 1, Persistence: p, AppendFsync: "always"}
}

// standaloneScenarios are the drills of a single server: the corruption
// and operator-error families on the deployment most Redis runs as.
func standaloneScenarios() []Scenario {
	primary := fault.Target{Role: fault.RolePrimary}
	everysec := standalone(harness.PersistAOF)
	everysec.AppendFsync = "everysec"
	return []Scenario{
		{
			Name:        "standalone-rdb-bitflip-restore",
			Description: "flip bytes in dump.rdb of a standalone server (RDB) under it, then crash it: Redis refuses to start (bad CRC64) and the engine restores the newest verified backup in place",
			Labels:      []string{"recovery", "corruption", "restore", "standalone"},
			Topology:    standalone(harness.PersistRDB), Workload: workload.DefaultProfile(),
			Fault: "rdb-bitflip", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: -1, Loss: session.LossAfterBackup, RTOMax: 7 * time.Second, Strategy: "restore-in-place", Incident: "refuses-start"},
		},
		{
			Name:        "standalone-aof-garbage-salvaged",
			Description: "8 bytes of garbage over a command in the middle of the last incr AOF of a standalone server (AOF always): Redis refuses to start; the engine salvages the AOF, proves it with a scratch load and installs it, losing only the damaged command",
			Labels:      []string{"recovery", "corruption", "aof", "salvage", "standalone"},
			Topology:    standalone(harness.PersistAOF), Workload: workload.DefaultProfile(),
			Fault: "aof-garbage-middle", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: 1, RTOMax: 7 * time.Second, Strategy: "salvage-aof", Incident: "refuses-start"},
		},
		{
			Name:        "standalone-flushall-undo",
			Description: "an operator's FLUSHALL on a standalone server (AOF always): the engine detects the keyspace collapse and undoes it from the AOF, losing no acked write",
			Labels:      []string{"recovery", "operator-error", "aof", "standalone"},
			Topology:    standalone(harness.PersistAOF), Workload: workload.DefaultProfile(),
			Fault: "flushall", FaultParams: fault.Params{Target: primary}, Recovery: Engine,
			ProbeDetectable: true,
			// As flushall-undo: between the FLUSHALL and the undo clients
			// read the flushed state, all back once undone.
			Expect: Expect{AckedLostMax: 0, RTOMax: 6 * time.Second, Strategy: "undo-flush", Incident: "accidental-flush",
				Tolerate: []string{history.KindStaleRead, history.KindCounterBackwards}},
		},
		{
			Name:        "standalone-data-dir-wiped",
			Description: "remove every file of a standalone server's data dir under it, then crash it: its supervisor restarts it empty; the engine sees the empty restart and restores the newest verified backup in place",
			Labels:      []string{"recovery", "corruption", "restore", "standalone"},
			Topology:    standalone(harness.PersistRDB), Workload: workload.DefaultProfile(),
			Fault: "wipe-data-dir", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: -1, Loss: session.LossAfterBackup, RTOMax: 7 * time.Second, Strategy: "restore-in-place", Incident: "started-empty"},
		},
		{
			Name:        "standalone-rdb-single-bit-corrected",
			Description: "flip one bit in dump.rdb of a standalone server (RDB) under it, then crash it: Redis refuses to start (bad CRC64); the CRC-64 syndrome locates the bit and the engine flips it back and installs the corrected file: no acked write lost, no backup restored",
			Labels:      []string{"recovery", "corruption", "salvage", "standalone"},
			Topology:    standalone(harness.PersistRDB), Workload: workload.DefaultProfile(),
			Fault: "rdb-bit", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: 0, RTOMax: 6 * time.Second, Strategy: "correct-rdb", Incident: "refuses-start"},
		},
		{
			Name:        "standalone-aof-tail-truncated",
			Description: "cut the tail off the last incr AOF of a standalone server (AOF always) under it, then crash it: Redis loads the file, dropping the partial command; the engine accepts and the ledger measures the loss",
			Labels:      []string{"recovery", "corruption", "aof", "standalone"},
			Topology:    standalone(harness.PersistAOF), Workload: workload.DefaultProfile(),
			Fault: "aof-truncate-tail", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: 5, RTOMax: 6 * time.Second, Strategy: "accept-redis-recovery", Incident: "self-healed"},
		},
		{
			Name:        "standalone-aof-manifest-rebuilt",
			Description: "delete the AOF manifest of a standalone server (AOF always) under it, then crash it: Redis starts empty under a fresh manifest of its own; the engine rebuilds the manifest over the old base and incr files, appends what was logged since the empty start, proves it with a scratch load and restores no backup",
			Labels:      []string{"recovery", "corruption", "aof", "salvage", "standalone"},
			Topology:    standalone(harness.PersistAOF), Workload: workload.DefaultProfile(),
			Fault: "aof-manifest-delete", FaultParams: corruptAndRestart(primary), Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: 0, RTOMax: 8 * time.Second, Strategy: "rebuild-manifest", Incident: "started-empty"},
		},
		{
			Name:        "standalone-point-in-time-rollback",
			Description: "after an operator's FLUSHALL on a standalone server (AOF always with timestamps), roll it back to the second before with the AOF's #TS annotations: only writes after the target second are lost",
			Labels:      []string{"recovery", "operator-error", "aof", "pitr", "standalone"},
			Topology:    withTimestamps(standalone(harness.PersistAOF)), Workload: workload.DefaultProfile(),
			Fault: "flushall", FaultParams: fault.Params{Target: primary}, Recovery: Engine,
			Strategy: "point-in-time", PointInTimeBefore: time.Second,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: -1, Loss: session.LossAfterTarget, RTOMax: 6 * time.Second, Strategy: "point-in-time", Incident: "accidental-flush"},
		},
		{
			Name:        "standalone-crash-aof-everysec",
			Description: "SIGKILL a standalone server (AOF everysec) while its machine stays up: its supervisor restarts it on its own AOF, which holds every write fsync'ed up to a second before; the engine accepts what Redis recovered",
			Labels:      []string{"recovery", "crash", "aof", "standalone"},
			Topology:    everysec, Workload: workload.DefaultProfile(),
			Fault: "crash", FaultParams: fault.Params{Target: primary}, Recovery: Engine,
			ProbeDetectable: true,
			Expect:          Expect{AckedLostMax: -1, Loss: session.LossAfterFsyncWindow, RTOMax: 5 * time.Second, Strategy: "accept-redis-recovery", Incident: "self-healed"},
		},
	}
}
