// Package plan reads game-day plans — a topology, a workload and an ordered
// list of steps (faults, waits, recovery, heals, backups, verifications)
// with inline thresholds — and carries them out against a real deployment,
// measuring them like a scenario.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package plan

import (
	"github.com/redisdrill/redisdrill/reports"
)

// Plan is one game-day plan file.
type Plan struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Labels      []string `yaml:"labels"`
	Topology    Topology `yaml:"topology"`
	Workload    Workload `yaml:"workload"`
	// WarmUp is how long the workload runs before the first step (default 2s).
	WarmUp *reports.YAMLDuration `yaml:"warmup"`
	// Settle is how long the workload keeps running after the last step
	// (default 500ms).
	Settle *reports.YAMLDuration `yaml:"settle"`
	// RTOTimeout bounds every wait for the deployment to take writes again
	// (default 60s).
	RTOTimeout *reports.YAMLDuration `yaml:"rto_timeout"`
	Steps      []Step                `yaml:"steps"`
	Thresholds reports.Limits        `yaml:"thresholds"`
	// Detect is what the engine may detect failures from: auto (default:
	// Docker events and probes) or probe (only what a sidecar next to
	// Redis sees). Only for plans with a recover: engine step; the CLI's
	// --detect overrides it.
	Detect string `yaml:"detect"`
	// Archive runs a streaming archiver beside every primary and has the
	// engine restore from it (see docs/archive.md). Only for plans with a
	// recover: engine step.
	Archive bool `yaml:"archive"`
}

// Topology is the deployment a plan starts (see harness.Topology).
type Topology struct {
	Kind      string `yaml:"kind"` // cluster (default), sentinel, replicated, standalone
	Primaries int    `yaml:"primaries"`
	Replicas  *int   `yaml:"replicas"`
	// Sentinels is the number of Sentinels of a sentinel topology, each on
	// a machine of its own (0: three); other kinds have none.
	Sentinels int `yaml:"sentinels"`
	// NodeTimeout is the cluster's node-timeout, and a sentinel
	// topology's down-after-milliseconds.
	NodeTimeout   *reports.YAMLDuration `yaml:"node_timeout"`
	Persistence   string                `yaml:"persistence"` // none, rdb, aof, both
	AppendFsync   string                `yaml:"appendfsync"`
	AOFTimestamps bool                  `yaml:"aof_timestamps"`
	ExtraConf     []string              `yaml:"extra_conf"`
}

// Workload is the write workload of a plan (see workload.Profile).
type Workload struct {
	Clients      int                   `yaml:"clients"`
	Rate         int                   `yaml:"rate"`
	ValueSize    int                   `yaml:"value_size"`
	WaitReplicas int                   `yaml:"wait_replicas"`
	WaitTimeout  *reports.YAMLDuration `yaml:"wait_timeout"`
	// Mix lists the kinds of write (set, incr, hset, rpush, xadd, setpx);
	// empty makes only unique SETs.
	Mix []string `yaml:"mix"`
	// CatchUp keeps each client on its schedule and times latency from
	// when each op was due.
	CatchUp bool `yaml:"catch_up"`
}

// Step is one action of a plan; exactly one of its action fields is set.
type Step struct {
	// ID names the step (heal refers to fault steps by id); default "step-N".
	ID string `yaml:"id"`
	// Fault injects a fault.
	Fault *FaultStep `yaml:"fault"`
	// Wait sleeps while the workload runs.
	Wait *reports.YAMLDuration `yaml:"wait"`
	// Recover is "engine" (run the recovery engine, then wait until every
	// shard takes writes) or "native" (only wait: Redis recovers itself).
	Recover string `yaml:"recover"`
	// Heal heals the fault step with this id, or every fault with "all".
	Heal string `yaml:"heal"`
	// Backup takes a backup: "cluster" (one live RDB per shard + topology).
	Backup string `yaml:"backup"`
	// Verify checks the deployment (cluster state, slots, split brain,
	// replication links).
	Verify *VerifyStep `yaml:"verify"`
}

// FaultStep names a fault of the catalog and its parameters.
type FaultStep struct {
	Name        string                `yaml:"name"`
	Target      string                `yaml:"target"` // primary, replica, all, shard-primary:K, node:NAME
	Delay       *reports.YAMLDuration `yaml:"delay"`
	LossPercent float64               `yaml:"loss_percent"`
	Companions  int                   `yaml:"companions"`
	Bytes       int64                 `yaml:"bytes"`
	LeaveBytes  int64                 `yaml:"leave_bytes"`
	Restart     bool                  `yaml:"restart"`
	Timeout     *reports.YAMLDuration `yaml:"timeout"`
	// HealAfter heals the fault this long after it is in full effect (every
	// node it touches has been hit), while the run goes on (e.g. a pause
	// longer than node-timeout).
	HealAfter *reports.YAMLDuration `yaml:"heal_after"`
}

// VerifyStep tunes a verify step.
type VerifyStep struct {
	// Within retries the checks until they pass or this long has passed
	// (default 30s).
	Within *reports.YAMLDuration `yaml:"within"`
	// ExpectReplicas is the replicas each shard must have; default the
	// topology's, negative skips the check.
	ExpectReplicas *int `yaml:"expect_replicas"`
	// AfterHeals waits for every heal_after heal scheduled so far before
	// the checks start; within counts from then.
	AfterHeals bool `yaml:"after_heals"`
}

// Action names what a step does: fault, wait, recover, heal, backup or
// verify (the session's naming of the step it compiles to).
func (s Step) Action() string {
	st, err := s.session(0)
	if err != nil {
		return ""
	}
	return st.Action()
}
