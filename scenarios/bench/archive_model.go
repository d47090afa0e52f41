package bench

import (
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// ArchiveFormatVersion is the version of archive-bench.json.
const ArchiveFormatVersion = 1

// ArchiveResult is one archive bench run: configuration, machine, build,
// every raw sample and the summaries derived from them (Summarize).
type ArchiveResult struct {
	Version  int       `json:"version"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Build is the redisdrill binary that ran: module version, commit,
	// whether the work tree was modified (empty fields when the build did
	// not record them, as in a test binary).
	Build   reports.BuildInfo `json:"build"`
	Machine Machine           `json:"machine"`
	Config  ArchiveConfig     `json:"config"`
	// ThroughputTopology and RestoreTopology are the short topology names
	// (rediskit.ParseTopologyName) the two parts ran on.
	ThroughputTopology string `json:"throughput_topology"`
	RestoreTopology    string `json:"restore_topology"`
	// Throughput is one cell per workload variant; ThroughputError says
	// why there is none (the server could not start).
	Throughput      []ThroughputCell `json:"throughput"`
	ThroughputError string           `json:"throughput_error,omitempty"`
	// Restores is one cell per dataset size.
	Restores []RestoreCell `json:"restores"`
	// Targets are derived: the throughput goal per variant.
	Targets []Target `json:"targets,omitempty"`
}

// ThroughputCell is one workload variant, run without and with the
// archiver, interleaved.
type ThroughputCell struct {
	// Variant is VariantDrillRate or VariantFlatOut; Clients, Rate
	// (total ops/s, 0 = unlimited), ValueSize and History are its profile.
	Variant   string  `json:"variant"`
	Clients   int     `json:"clients"`
	Rate      int     `json:"rate"`
	ValueSize int     `json:"value_size"`
	History   float64 `json:"history"`
	// Runs are every run in the order they ran (without, with, without,
	// with, ...).
	Runs []ThroughputRun `json:"runs"`

	// Derived from Runs by Summarize (runs with an error are left out).
	Without Summary `json:"without_ops_per_sec"`
	With    Summary `json:"with_ops_per_sec"`
	// Ratio is With.Median ÷ Without.Median.
	Ratio float64 `json:"ratio"`
	// Lag summaries are over the runs with the archiver.
	LagP50MS Summary `json:"lag_p50_ms"`
	LagP99MS Summary `json:"lag_p99_ms"`
	LagMaxMS Summary `json:"lag_max_ms"`
	LagBytes Summary `json:"lag_bytes"`
	Errors   int     `json:"errors,omitempty"`
}

// ThroughputRun is one run of a variant for the measured window.
type ThroughputRun struct {
	// Archiver says whether a streaming archiver followed the server.
	Archiver bool `json:"archiver"`
	// OK counts the acked ops (SETs and history ops) completed in the
	// window; NotOK those that failed or ended unknown in it.
	OK    int64 `json:"ok"`
	NotOK int64 `json:"not_ok"`
	// WindowMS is the measured window (after the warm-up).
	WindowMS float64 `json:"window_ms"`
	// OpsPerSec is OK ÷ WindowMS, derived.
	OpsPerSec float64 `json:"ops_per_sec"`
	// Lag is the archiver's Stats when the workload stopped (with the
	// archiver only).
	Lag   *ArchiveLag `json:"lag,omitempty"`
	Error string      `json:"error,omitempty"`
}

// ArchiveLag is an archiver's lag as its Stats reported it: the
// percentiles of every lag measured over its life (the time the primary's
// offset took to become durable in the archive) and the bytes it was
// behind at that moment.
type ArchiveLag struct {
	P50MS         float64 `json:"p50_ms"`
	P99MS         float64 `json:"p99_ms"`
	MaxMS         float64 `json:"max_ms"`
	Samples       int64   `json:"samples"`
	Bytes         int64   `json:"bytes"`
	DurableOffset int64   `json:"durable_offset"`
	PrimaryOffset int64   `json:"primary_offset"`
	Reconnects    int     `json:"reconnects,omitempty"`
	Gaps          int     `json:"gaps,omitempty"`
	LastError     string  `json:"last_error,omitempty"`
}

// RestoreCell is the restore measurements at one dataset size.
type RestoreCell struct {
	// Keys is the dataset populated over the cluster before the archiver
	// started (shard 0's part is its base); Incr the SETs of new keys of
	// shard 0 written after it; DatasetKeys shard 0's DBSIZE at the end
	// (what every restore must load).
	Keys        int   `json:"keys"`
	Incr        int   `json:"incr"`
	DatasetKeys int64 `json:"dataset_keys"`
	// GenMS is the dataset generation; BaseMS archive.Start (the base's
	// full sync until durable); IncrMS the incr writes until durable in
	// the archive.
	GenMS  float64 `json:"gen_ms"`
	BaseMS float64 `json:"base_ms"`
	IncrMS float64 `json:"incr_ms"`
	// Segments and IncrCommands describe the archive restored from;
	// ArchiveBytes is its materialized appendonlydir, RDBBytes the live
	// RDB the snapshot restore and the floor load.
	Segments     int   `json:"segments"`
	IncrCommands int64 `json:"incr_commands"`
	ArchiveBytes int64 `json:"archive_bytes"`
	RDBBytes     int64 `json:"rdb_bytes"`
	// Archive, Snapshot and Floor.Samples are the raw samples, taken in
	// turn (archive, snapshot, floor) Repeat times.
	Archive  []ArchiveRestoreSample  `json:"archive_samples"`
	Snapshot []SnapshotRestoreSample `json:"snapshot_samples"`
	// Floor is bench's RDB floor (floors.go) of the live RDB: copy into a
	// throwaway node, container start to PING, raw load as logged.
	Floor       Floor    `json:"floor"`
	FloorErrors []string `json:"floor_errors,omitempty"`
	// Error is why the cell could not be set up (no samples then).
	Error string `json:"error,omitempty"`

	// Derived by Summarize from the samples without an error.
	ArchiveMS     Summary `json:"archive_ms"`
	MaterializeMS Summary `json:"materialize_ms"`
	ScratchMS     Summary `json:"scratch_ms"`
	VerifyMS      Summary `json:"verify_ms"`
	SnapshotMS    Summary `json:"snapshot_ms"`
	// VsSnapshot is ArchiveMS.Median ÷ SnapshotMS.Median; VsRawLoad
	// ArchiveMS.Median ÷ Floor.Load.Median.
	VsSnapshot float64 `json:"archive_vs_snapshot"`
	VsRawLoad  float64 `json:"archive_vs_raw_load"`
	Errors     int     `json:"errors,omitempty"`
}

// ArchiveRestoreSample is one restore from the archive as the engine makes
// it (recovery/archivepoint.go): archive.Materialize of everything
// archived, a scratch server inside the node's machine loading it and
// saving an RDB (Node.ScratchRDB), and backup.AddPoint verifying that RDB
// into a catalog.
type ArchiveRestoreSample struct {
	MaterializeMS float64 `json:"materialize_ms"`
	ScratchMS     float64 `json:"scratch_ms"`
	VerifyMS      float64 `json:"verify_ms"`
	// Keys is what the scratch server loaded.
	Keys  int64  `json:"keys"`
	Error string `json:"error,omitempty"`
}

// TotalMS is the whole archive restore: materialize + scratch + verify.
func (s ArchiveRestoreSample) TotalMS() float64 { return s.MaterializeMS + s.ScratchMS + s.VerifyMS }

// SnapshotRestoreSample is one load of the live RDB of the same dataset by
// a scratch server inside the node's machine (Node.ScratchKeys): copy in,
// start, load, answer DBSIZE.
type SnapshotRestoreSample struct {
	LoadMS float64 `json:"load_ms"`
	Keys   int64   `json:"keys"`
	Error  string  `json:"error,omitempty"`
}
