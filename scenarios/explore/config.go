package explore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// Recovery modes.
const (
	RecoveryEngine = "engine" // redisdrill's engine recovers what it sees
	RecoveryNative = "native" // Redis recovers by itself
)

// Durability settings of the deployment (not of the invariant).
const (
	// DurabilityStrict is appendfsync always and WAIT 1 after every write.
	DurabilityStrict = "strict"
	// DurabilityRelaxed is appendfsync everysec and no WAIT.
	DurabilityRelaxed = "relaxed"
)

// Defaults of a Config.
const (
	DefaultDuration      = 2 * time.Minute
	DefaultTopology      = "3x1"
	DefaultNodeTimeout   = 5 * time.Second
	DefaultConvergeBound = 30 * time.Second
	DefaultShrinkBudget  = 5 * time.Minute
	// MaxDuration bounds a schedule's length.
	MaxDuration = 24 * time.Hour
)

// DefaultFaults returns the fault kinds drawn when Config.Faults is empty:
// process and network faults that every environment can produce.
func DefaultFaults() []string {
	return []string{"kill", "pause", "partition-minority", "partition-node", "stop"}
}

// Config is what a schedule is drawn from and how it runs.
type Config struct {
	Seed     int64
	Duration time.Duration
	// Faults are fault names of the catalog, or the groups "partition"
	// (partition-node, partition-minority) and "corruption" (every
	// corruption fault); empty = DefaultFaults.
	Faults []string
	// Topology is a short topology name (rediskit.ParseTopologyName).
	Topology    string
	NodeTimeout time.Duration
	Recovery    string
	Detect      detect.Mode
	// Archive runs a streaming archiver beside every primary and has the
	// engine restore from it (engine recovery only).
	Archive    bool
	Durability string
	// AllowLoss tolerates acked writes lost within this window of a
	// fault's onset (either side); 0 tolerates none.
	AllowLoss time.Duration
	// ConvergeBound is how long after a burst's last heal the deployment
	// may take to converge (all slots served, links up).
	ConvergeBound time.Duration
}

// corruptionFaults are the catalog's corruption kinds.
func corruptionFaults() []string {
	var out []string
	for _, n := range fault.Names() {
		if strings.HasPrefix(n, "rdb-") || strings.HasPrefix(n, "aof-") || strings.HasPrefix(n, "nodes-conf-") || strings.HasPrefix(n, "wipe-") {
			out = append(out, n)
		}
	}
	return out
}

// ExpandFaults resolves groups, checks every name against the catalog and
// returns the sorted, de-duplicated list.
func ExpandFaults(list []string) ([]string, error) {
	if len(list) == 0 {
		return DefaultFaults(), nil
	}
	known := fault.Names()
	var out []string
	for _, raw := range list {
		for _, name := range strings.Split(raw, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
				continue
			case name == "partition":
				out = append(out, "partition-minority", "partition-node")
			case name == "corruption":
				out = append(out, corruptionFaults()...)
			case slices.Contains(known, name):
				out = append(out, name)
			default:
				return nil, fmt.Errorf("expand faults: unknown fault %q (known: partition, corruption, %s)", name, strings.Join(known, ", "))
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("expand faults: empty list")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Normalize fills the defaults and checks every field; the result is what
// the generator draws from.
func (c Config) Normalize() (Config, error) {
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Duration < 5*time.Second || c.Duration > MaxDuration {
		return c, fmt.Errorf("normalize config: duration must be in [5s, %s], got %s", MaxDuration, c.Duration)
	}
	if c.Topology == "" {
		c.Topology = DefaultTopology
	}
	topo, err := rediskit.ParseTopologyName(c.Topology)
	if err != nil {
		return c, fmt.Errorf("normalize config: %w", err)
	}
	c.Topology = topo.ShortName()
	if c.NodeTimeout == 0 {
		c.NodeTimeout = DefaultNodeTimeout
	}
	if c.NodeTimeout < 500*time.Millisecond {
		return c, fmt.Errorf("normalize config: node timeout must be >= 500ms, got %s", c.NodeTimeout)
	}
	if c.Recovery == "" {
		c.Recovery = RecoveryEngine
	}
	if c.Recovery != RecoveryEngine && c.Recovery != RecoveryNative {
		return c, fmt.Errorf("normalize config: recovery must be engine or native, got %q", c.Recovery)
	}
	if c.Detect != "" {
		if c.Recovery != RecoveryEngine {
			return c, fmt.Errorf("normalize config: --detect needs --recovery engine")
		}
		if _, err := detect.ParseMode(string(c.Detect)); err != nil {
			return c, fmt.Errorf("normalize config: %w", err)
		}
	}
	if c.Archive && c.Recovery != RecoveryEngine {
		return c, fmt.Errorf("normalize config: --archive needs --recovery engine")
	}
	if c.Durability == "" {
		c.Durability = DurabilityStrict
	}
	if c.Durability != DurabilityStrict && c.Durability != DurabilityRelaxed {
		return c, fmt.Errorf("normalize config: durability must be strict or relaxed, got %q", c.Durability)
	}
	if c.AllowLoss < 0 {
		return c, fmt.Errorf("normalize config: allow-loss must be >= 0, got %s", c.AllowLoss)
	}
	if c.ConvergeBound == 0 {
		c.ConvergeBound = DefaultConvergeBound
	}
	if c.ConvergeBound < 0 {
		return c, fmt.Errorf("normalize config: converge bound must be > 0, got %s", c.ConvergeBound)
	}
	if c.Faults, err = ExpandFaults(c.Faults); err != nil {
		return c, fmt.Errorf("normalize config: %w", err)
	}
	for _, f := range c.Faults {
		if f == "partition-minority" && topo.Kind != harness.KindCluster {
			return c, fmt.Errorf("normalize config: partition-minority needs a cluster topology, not %s", c.Topology)
		}
	}
	return c, nil
}
