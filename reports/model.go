package reports

import "time"

// SchemaVersion identifies the JSON layout of a Run; ReadRun rejects others.
const SchemaVersion = "redisdrill.report/v1"

// Run is one drill: metadata plus the result of every scenario it ran.
type Run struct {
	Schema    string           `json:"schema"`
	Version   string           `json:"redisdrill_version"`
	Start     time.Time        `json:"start"`
	End       time.Time        `json:"end"`
	Host      string           `json:"host"`
	GoVersion string           `json:"go_version"`
	Args      []string         `json:"args,omitempty"`
	Scenarios []ScenarioResult `json:"scenarios"`
}

// ScenarioResult is everything measured for one scenario. Offsets (fields
// ending in _ms inside spans, the fault and the timeline) are relative to T0,
// the instant the fault was applied.
type ScenarioResult struct {
	Name        string   `json:"name"`
	Labels      []string `json:"labels,omitempty"`
	Description string   `json:"description,omitempty"`
	Topology    string   `json:"topology"`
	// Server names the server the scenario ran on ("redis-7.0",
	// "valkey-8.1", "custom" for a user image) and ServerVersion its
	// version as INFO server reported it (valkey_version on Valkey).
	// RedisVersion is INFO's redis_version, which Valkey keeps for
	// compatibility.
	Server        string `json:"server,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	RedisVersion  string `json:"redis_version"`
	Image         string `json:"image"`
	Seed          int64  `json:"seed"`

	Fault    FaultRecord `json:"fault"`
	Strategy string      `json:"strategy"`
	T0       time.Time   `json:"t0"`
	Spans    []Span      `json:"spans,omitempty"`

	// Ready reports whether t_ready was observed; RTO is meaningless without it.
	Ready  bool   `json:"ready"`
	Detect Millis `json:"detect_ms"`
	// DetectMode is how the engine learned of the failure: "auto" (Docker
	// events and probes) or "probe" (only what a sidecar next to Redis
	// sees). Empty when Redis recovered by itself.
	DetectMode string `json:"detect_mode,omitempty"`
	RTO        Millis `json:"rto_ms"`
	// ClientOutage is t_ready − the first failed write or probe: what
	// clients saw. The RTO covers it (within one probe round) on a sound clock.
	ClientOutage Millis `json:"client_outage_ms"`
	Duration     Millis `json:"duration_ms"`

	Ops              OpCounts `json:"ops"`
	AckedBeforeFault int64    `json:"acked_before_fault"`
	Loss             Loss     `json:"loss"`
	Latency          Latency  `json:"latency"`
	Timeline         Timeline `json:"timeline"`

	// Fences says how the engine fenced each old owner before handing its
	// slots or role over, and what became of the node.
	Fences []Fence `json:"fences,omitempty"`
	// WriteSafety is the split-brain watcher's summary (see FileWatch).
	WriteSafety WriteSafety `json:"write_safety"`
	// Salvage lists the repairs that kept the data of damaged files
	// (why the loss is smaller than a backup restore's would be).
	Salvage []Salvage `json:"salvage,omitempty"`
	// Observations are what the engine saw Redis do on the way (e.g.
	// "refused-start: ...", or "fail-flag: ..." when the cluster held a
	// FAIL flag on the restored primary and so lengthened the outage).
	Observations []string `json:"observations,omitempty"`
	// History is the history checker's finding over the clients' reads
	// and writes of shared keys (nil when the workload made none).
	History *History `json:"history,omitempty"`
	// Archives is what each streaming archiver of the run did (none
	// unless the scenario runs one; see docs/archive.md).
	Archives []Archive `json:"archives,omitempty"`

	Thresholds Thresholds `json:"thresholds"`
	// Expect is what the scenario had to show beyond its thresholds (nil
	// in reports of older drills).
	Expect  *Expect `json:"expect,omitempty"`
	Verdict Verdict `json:"verdict"`
	// Error is set when the scenario could not be carried out (Status error).
	Error     string    `json:"error,omitempty"`
	Artifacts Artifacts `json:"artifacts"`
}

// Archive is one streaming archiver of a run: the shard it followed, how
// far behind its primary it ran (the time the primary's offset took to be
// durable in the archive) and whether its archive checked clean after
// the run. The evidence folder holds the archive itself (Dir).
type Archive struct {
	Shard    int    `json:"shard"`
	Dir      string `json:"dir"`
	Durable  int64  `json:"durable_offset"`
	Bases    int    `json:"bases"`
	Segments int    `json:"segments"`
	Gaps     int    `json:"gaps"`
	// LagFile is the archiver's lag log, relative to the scenario's
	// evidence folder; the lag figures are ReadArchiveLag of it.
	LagFile    string  `json:"lag_file"`
	LagSamples int     `json:"lag_samples"`
	LagP50MS   float64 `json:"lag_p50_ms"`
	LagP99MS   float64 `json:"lag_p99_ms"`
	LagMaxMS   float64 `json:"lag_max_ms"`
	LagBytes   int64   `json:"lag_bytes"`
	CheckOK    bool    `json:"check_ok"`
	// Problems is what the archive check found (empty when CheckOK).
	Problems []string `json:"problems,omitempty"`
}

// FaultRecord is the injected fault and when it was active, relative to T0.
type FaultRecord struct {
	Name    string            `json:"name"`
	Targets []string          `json:"targets,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	Start   Millis            `json:"start_ms"`
	End     Millis            `json:"end_ms"`
}

// Span is a named step of the recovery engine, relative to T0.
type Span struct {
	Name  string `json:"name"`
	Start Millis `json:"start_ms"`
	End   Millis `json:"end_ms"`
}

// Duration returns the length of s (never negative).
func (s Span) Duration() Millis {
	if s.End < s.Start {
		return 0
	}
	return s.End - s.Start
}

// OpCounts counts workload operations by outcome.
type OpCounts struct {
	OK      int64 `json:"ok"`
	Fail    int64 `json:"fail"`
	Unknown int64 `json:"unknown"`
}

// Loss describes acknowledged writes at the final read. Window is the time
// from the oldest lost acked write to T0.
type Loss struct {
	Acked     int64  `json:"acked"`
	Lost      int64  `json:"acked_lost"`
	Recovered int64  `json:"recovered"`
	Window    Millis `json:"loss_window_ms"`
}

// Latency holds latency quantiles of ok operations.
type Latency struct {
	P50 Millis `json:"p50_ms"`
	P90 Millis `json:"p90_ms"`
	P99 Millis `json:"p99_ms"`
	Max Millis `json:"max_ms"`
}

// Timeline is the availability timeline: fixed-width buckets relative to T0.
type Timeline struct {
	BucketWidth Millis   `json:"bucket_ms"`
	Buckets     []Bucket `json:"buckets"`
}

// Bucket counts operations completed in [Start, Start+BucketWidth).
type Bucket struct {
	Start   Millis `json:"start_ms"`
	OK      int64  `json:"ok"`
	Fail    int64  `json:"fail"`
	Unknown int64  `json:"unknown"`
	P99     Millis `json:"p99_ms"`
}

// Thresholds are the resolved limits applied to one scenario; nil means
// "not checked".
type Thresholds struct {
	RTOMax              *Millis `json:"rto_max_ms,omitempty"`
	DetectMax           *Millis `json:"detect_max_ms,omitempty"`
	AckedLostMax        *int64  `json:"acked_lost_max,omitempty"`
	MinAckedBeforeFault *int64  `json:"min_acked_before_fault,omitempty"`
}

// Status is the outcome of a scenario.
type Status string

// Verdict statuses.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusInvalid Status = "invalid" // too little traffic to judge
	StatusError   Status = "error"   // the drill itself failed
	// StatusInterrupted marks a scenario cut short by Ctrl-C.
	StatusInterrupted Status = "interrupted"
	// StatusSkip marks a scenario the server cannot run (Reasons says why
	// and cites the source); nothing was started. It does not fail a run.
	StatusSkip Status = "skip"
)

// Failed reports whether st fails a run: every status but pass and skip.
func (st Status) Failed() bool { return st != StatusPass && st != StatusSkip }

// Verdict is the status of a scenario and why.
type Verdict struct {
	Status  Status   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

// Artifacts are paths to the files a scenario left behind.
type Artifacts struct {
	// Dir is the run's evidence folder (file names in evidence.go).
	Dir      string            `json:"dir,omitempty"`
	Ledger   string            `json:"ledger,omitempty"`
	Events   string            `json:"events,omitempty"`
	NodeLogs map[string]string `json:"node_logs,omitempty"`
	DataDirs map[string]string `json:"data_dirs,omitempty"`
}

// Fence is how one old owner was fenced; times are relative to t0.
type Fence struct {
	Node     string `json:"node"`
	Method   string `json:"method"`
	At       Millis `json:"at_ms"`
	Returned Millis `json:"returned_ms,omitempty"`
	// Lifted is when the engine ended the fence to restore the node itself.
	Lifted  Millis `json:"lifted_ms,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

// Salvage is one repair that kept a damaged file's data: the method, the
// damaged byte ranges, what was kept and dropped, and the file's SHA-256
// before and after (the original stays in the node's quarantine folder).
type Salvage struct {
	Method       string   `json:"method"`
	File         string   `json:"file"`
	Damaged      []string `json:"damaged,omitempty"` // "offset (length B)"
	Kept         int64    `json:"kept"`
	Dropped      int64    `json:"dropped"`
	Unit         string   `json:"unit"`
	SHA256Before string   `json:"sha256_before,omitempty"`
	SHA256After  string   `json:"sha256_after,omitempty"`
	Detail       string   `json:"detail,omitempty"`
}

// WriteSafety is what the split-brain watcher saw: how many times it
// polled every node, and each confirmed violation (two primaries that both
// acknowledged a write for one slot, or a fenced node that took one).
type WriteSafety struct {
	Polls      int      `json:"polls"`
	Violations []string `json:"violations,omitempty"`
}
