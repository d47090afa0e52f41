package bench

import (
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// ArchiveConfig is what one archive bench (`redisdrill bench archive`)
// measures: the workload's throughput without and with a streaming
// archiver, the archiver's lag, and restore times from an archive at each
// dataset size.
type ArchiveConfig struct {
	// Keys are the dataset sizes of the restore measurements: keys
	// populated over a 3x0 cluster, as bench rollback counts them; the
	// archive follows shard 0's primary (about a third of them).
	Keys []int `json:"keys"`
	// ValueSize is the bytes of each populated value.
	ValueSize int `json:"value_size"`
	// Repeat is how many runs each throughput arm (without, with the
	// archiver) and each restore measurement takes.
	Repeat int `json:"repeat"`
	// Duration is the measured window of one throughput run.
	Duration time.Duration `json:"duration"`
	// WarmUp runs the workload before the window opens (dials, first
	// ops); its ops are not counted.
	WarmUp time.Duration `json:"warm_up"`
	// Incr is how many SETs of new keys are written after the archive's
	// base, so an archive restore replays a real incr part.
	Incr int `json:"incr"`
}

// DefaultArchiveConfig is what `redisdrill bench archive` runs without
// flags.
func DefaultArchiveConfig() ArchiveConfig {
	return ArchiveConfig{
		Keys: []int{100_000, 1_000_000}, ValueSize: 100, Repeat: 3,
		Duration: 10 * time.Second, WarmUp: time.Second, Incr: 10_000,
	}
}

// Validate reports a config that cannot run.
func (c ArchiveConfig) Validate() error {
	if len(c.Keys) == 0 {
		return fmt.Errorf("validate archive bench config: no dataset size")
	}
	for _, k := range c.Keys {
		if k < 1 || k > 50_000_000 {
			return fmt.Errorf("validate archive bench config: keys %d out of range [1, 50000000]", k)
		}
	}
	if c.ValueSize < 1 || c.ValueSize > 1<<20 {
		return fmt.Errorf("validate archive bench config: value size %d out of range [1, 1048576]", c.ValueSize)
	}
	if c.Repeat < 1 || c.Repeat > 100 {
		return fmt.Errorf("validate archive bench config: repeat %d out of range [1, 100]", c.Repeat)
	}
	if c.Duration < time.Second || c.Duration > time.Hour {
		return fmt.Errorf("validate archive bench config: duration %s out of range [1s, 1h]", c.Duration)
	}
	if c.WarmUp < 0 || c.WarmUp > time.Minute {
		return fmt.Errorf("validate archive bench config: warm-up %s out of range [0, 1m]", c.WarmUp)
	}
	if c.Incr < 0 || c.Incr > 10_000_000 {
		return fmt.Errorf("validate archive bench config: incr %d out of range [0, 10000000]", c.Incr)
	}
	return nil
}

// Throughput variants of the archive bench (ThroughputCell.Variant).
const (
	// VariantDrillRate is the drills' own workload,
	// workload.DefaultProfile: rate-limited, so its ratio says whether the
	// archiver keeps the server from serving the drill's rate.
	VariantDrillRate = "drill-rate"
	// VariantFlatOut is the same clients and mix with no rate limit: what
	// the server serves at most, without and with the archiver.
	VariantFlatOut = "flat-out"
)

// throughputVariant is one workload the throughput runs drive.
type throughputVariant struct {
	name    string
	profile workload.Profile
}

// throughputVariants are the workloads measured, in run order.
func throughputVariants() []throughputVariant {
	drill := workload.DefaultProfile()
	flat := drill
	flat.Rate = 0
	return []throughputVariant{{VariantDrillRate, drill}, {VariantFlatOut, flat}}
}

// Topologies of the archive bench: the throughput runs on a standalone
// server (one container, one archiver: the cheapest), the restores on a
// cluster without replicas whose shard 0 is archived and restored — the
// shard whose RDB floor bench rollback measures at the same --keys (a
// lone cluster node does not know its own address, so populate cannot
// use a 1x0 cluster).
const (
	archiveThroughputTopology = "standalone"
	archiveRestoreTopology    = "3x0"
)

// archiveTopology parses one of the topology names above.
func archiveTopology(name string) (harness.Topology, error) {
	t, err := rediskit.ParseTopologyName(name)
	if err != nil {
		return t, fmt.Errorf("archive bench topology: %w", err)
	}
	return t, nil
}
