package session

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/reports"
)

// Defaults of a plan's timings.
const (
	DefaultWarmUp       = 2 * time.Second
	DefaultSettle       = 500 * time.Millisecond
	DefaultRTOTimeout   = 60 * time.Second
	DefaultVerifyWithin = 30 * time.Second
	// ReadyStable is how long every probe tick must succeed after t_ready
	// before a recover step counts the deployment as ready.
	ReadyStable = time.Second
	// ServingTimeout bounds the wait, after heal and settle, for the
	// deployment to be fully ready again before the final read.
	ServingTimeout = 45 * time.Second
	// ClockTolerance is how far the client-visible outage (first failed
	// write or probe → t_ready) may exceed the RTO before the clock is
	// called wrong: one probe round plus scheduling noise.
	ClockTolerance = 150 * time.Millisecond
)

// Plan is one drill: a deployment, a workload and ordered steps, with what
// the run must show to pass.
type Plan struct {
	Name        string
	Description string
	// Labels are every label of the drill (thresholds files select by them).
	Labels   []string
	Topology harness.Topology
	Workload workload.Profile
	// WarmUp is how long the workload runs before the first step; the
	// backup point is taken half-way (default DefaultWarmUp).
	WarmUp time.Duration
	// Settle is how long the workload keeps running after the last step and
	// the heals (default DefaultSettle).
	Settle time.Duration
	// RTOTimeout bounds each wait for every shard to take writes again
	// (default DefaultRTOTimeout).
	RTOTimeout time.Duration
	// Engine runs redisdrill's recovery engine; nil leaves recovery to Redis.
	Engine *EngineSpec
	// Setup runs on the fresh deployment before any traffic (e.g. loading a
	// dataset for the bench); nil for none.
	Setup func(ctx context.Context, dep Deployment) error
	Steps []Step
	// BeforeFinalRead runs after the heal and settle, just before the final
	// read (e.g. a spec planting a defect the checker must catch); nil for
	// none.
	BeforeFinalRead func(ctx context.Context, dep Deployment, ledger *workload.Ledger) error
	// Limits are the drill's own thresholds; a thresholds file can override
	// them (see Thresholds).
	Limits reports.Thresholds
	// Expect is what the run must show beyond the thresholds.
	Expect Expect
}

// EngineSpec configures the recovery engine of a plan.
type EngineSpec struct {
	// Strategy forces a strategy by name; empty lets the engine choose.
	Strategy string
	// WarmSpare gives the engine a warm spare node.
	WarmSpare bool
	// PointInTimeBefore is the roll-back target of point-in-time, relative
	// to the fault.
	PointInTimeBefore time.Duration
	// BackupPoints is how many backup points are taken at the backup point
	// (default 1; negative takes none).
	BackupPoints int
	// Archive starts a streaming archiver (package recovery/backup/archive)
	// following every shard's primary before the workload, under the run's
	// evidence folder, and gives the engine its archives to restore from.
	Archive bool
	// CorruptArchiveSegment flips a byte in the newest sealed segment of
	// shard CorruptShard's archive before the fault (with Archive): the
	// engine must restore to the last good point before it.
	CorruptArchiveSegment bool
	// CorruptNewestBackup flips a byte in the newest backup of shard
	// CorruptShard after the backup points: the engine must skip it.
	CorruptNewestBackup bool
	CorruptShard        int
	// DetectMode is what the engine may learn a failure from: "auto"
	// (default: Docker events and probes) or "probe" (only what a sidecar
	// next to Redis sees; see detect.ModeProbe). Env.DetectMode, when set,
	// overrides it.
	DetectMode detect.Mode
	// DownAfter is the detect window: a node that is only silent is judged
	// down once the probe's failed rounds cover it (0 =
	// detect.DefaultDownAfter; see detect.Down).
	DownAfter time.Duration
	// DetectWithin bounds how long a recover step waits for a failure to
	// show (0 = 30 s). With Expect.NoAction, no failure within it is the
	// expected outcome rather than an error.
	DetectWithin time.Duration
}

// Step is one action of a plan; exactly one of its action fields is set.
type Step struct {
	// ID names the step (heal refers to fault steps by id); default "step-N".
	ID string
	// Fault injects a fault.
	Fault *FaultStep
	// Wait sleeps while the workload runs.
	Wait time.Duration
	// Recover is RecoverEngine or RecoverNative.
	Recover string
	// Heal heals the fault step with this id, or every fault with "all".
	Heal string
	// Backup takes a cluster backup ("cluster").
	Backup string
	// Verify checks the deployment.
	Verify *VerifyStep
}

// Recover step modes.
const (
	// RecoverEngine runs the engine, then waits until every shard takes
	// writes. Right after a fault step, the engine was armed before that
	// fault and has been acting since it detected it: this step collects
	// its recovery. After any other step (a wait) the engine starts here.
	RecoverEngine = "engine"
	// RecoverNative only waits: Redis recovers by itself.
	RecoverNative = "native"
)

// FaultStep is a fault of the catalog with its parameters.
type FaultStep struct {
	Name   string
	Params fault.Params
	// HealAfter heals the fault this long after it is in full effect
	// (Injection.Applied; the RTO clock still starts at its onset), while
	// the recovery runs (a pause shorter or longer than node-timeout); 0
	// heals it at a heal step or at the end.
	HealAfter time.Duration
}

// VerifyStep tunes a verify step.
type VerifyStep struct {
	// Within retries the checks until they pass or this long has passed.
	Within time.Duration
	// ExpectReplicas is the replicas each shard must have; 0 = the
	// topology's, negative skips the check.
	ExpectReplicas int
	// AfterHeals waits for every heal scheduled so far (FaultStep.HealAfter)
	// before the checks start; Within counts from then.
	AfterHeals bool
}

// Action names what a step does: fault, wait, recover, heal, backup or verify.
func (s Step) Action() string {
	switch {
	case s.Fault != nil:
		return "fault"
	case s.Wait > 0:
		return "wait"
	case s.Recover != "":
		return "recover"
	case s.Heal != "":
		return "heal"
	case s.Backup != "":
		return "backup"
	case s.Verify != nil:
		return "verify"
	}
	return ""
}

func (s Step) actions() int {
	n := 0
	for _, set := range []bool{s.Fault != nil, s.Wait > 0, s.Recover != "", s.Heal != "", s.Backup != "", s.Verify != nil} {
		if set {
			n++
		}
	}
	return n
}

// LossBound names a loss bound the checker derives from the run's evidence.
type LossBound string

// Loss bounds.
const (
	// LossAfterBackup: only writes acked after the restored backup's own
	// start time (read from its manifest in the catalog) may be lost.
	LossAfterBackup LossBound = "after-backup"
	// LossAfterFault: only writes acked after t0 − ReplicationAllowance may
	// be lost (a primary cut off in a minority acks writes it later loses).
	LossAfterFault LossBound = "after-fault"
	// LossAfterTarget: only writes acked after the point-in-time target
	// second (t0 − PointInTimeBefore, truncated to the second) may be lost.
	LossAfterTarget LossBound = "after-target"
	// LossWithinBackupWindow: at most as many writes as were acked after the
	// newest verifying backup started may be lost (a repair must keep at
	// least what a restore would).
	LossWithinBackupWindow LossBound = "within-backup-window"
	// LossAfterArchive: only writes acked after t0 − ArchiveAllowance may
	// be lost (a restore from a streaming archive keeps everything the
	// archive received before the primary died).
	LossAfterArchive LossBound = "after-archive"
	// LossAfterFsyncWindow: only writes acked after t0 − FsyncWindow may be
	// lost (appendfsync everysec: a crash loses at most the second not yet
	// fsync'ed).
	LossAfterFsyncWindow LossBound = "after-fsync-window"
)

// FsyncWindow is how much of what a server acknowledged appendfsync
// everysec may lose when it crashes: the second its fsync runs behind.
const FsyncWindow = time.Second

// ArchiveAllowance is how long before t0 a write acked without WAIT may
// still have been on its way to the streaming archive when the fault
// began.
const ArchiveAllowance = 100 * time.Millisecond

// ReplicationAllowance is how long before t0 a write acked without WAIT may
// still have been in flight to a replica when the fault began.
const ReplicationAllowance = 50 * time.Millisecond

// Expect is what a run must show beyond its thresholds.
type Expect struct {
	// Strategy is the strategy the engine must run ("" = any); "a|b"
	// accepts either.
	Strategy string
	// Incident is the incident the engine must detect ("" = any).
	Incident string
	// Loss bounds the lost writes by the evidence ("" = only the count).
	Loss LossBound
	// Failover requires the faulted shard to have a new primary after the
	// run (native failover must have happened).
	Failover bool
	// NoAction requires the engine to take no action: the fault (e.g. a
	// stall shorter than the detect window) must not count as a failure.
	NoAction bool
	// Fenced requires the engine to have fenced the failed primary (not
	// epoch-only) before handing its role over, and the node to have come
	// back as a replica, or stayed out when retired.
	Fenced bool
	// Tolerate names the history anomalies (history.Kind*) the scenario
	// accepts, and only from writes acknowledged before t_ready: after
	// recovery every client must see a linearizable store again. Empty
	// tolerates none.
	Tolerate []string
}

func (p Plan) withDefaults() Plan {
	if p.WarmUp == 0 {
		p.WarmUp = DefaultWarmUp
	}
	if p.Settle == 0 {
		p.Settle = DefaultSettle
	}
	if p.RTOTimeout == 0 {
		p.RTOTimeout = DefaultRTOTimeout
	}
	if p.Workload.Clients == 0 {
		p.Workload = workload.DefaultProfile()
	}
	if p.Engine != nil && (p.Engine.BackupPoints == 0 || p.Engine.DetectMode == "") {
		spec := *p.Engine
		if spec.BackupPoints == 0 {
			spec.BackupPoints = 1
			if spec.CorruptNewestBackup {
				spec.BackupPoints = 2
			}
		}
		if spec.DetectMode == "" {
			spec.DetectMode = detect.ModeAuto
		}
		p.Engine = &spec
	}
	for i := range p.Steps {
		if p.Steps[i].ID == "" {
			p.Steps[i].ID = stepID(i)
		}
	}
	return p
}

// WithDetectMode returns p with its engine set to detect in mode m; a plan
// without an engine, or an empty m, is returned as it is.
func (p Plan) WithDetectMode(m detect.Mode) Plan {
	if p.Engine == nil || m == "" {
		return p
	}
	spec := *p.Engine
	spec.DetectMode = m
	p.Engine = &spec
	return p
}
