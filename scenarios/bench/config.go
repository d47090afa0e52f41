package bench

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// Strategy names the bench knows, in the order they run.
const (
	NativeFailover = "native-failover"
	EnginePromote  = "engine-promote"
	// NativeSilent and EngineSilent are the same comparison on silence: the
	// primary is frozen (docker pause), not killed, so nothing refuses a
	// connection — a hung host, as opposed to a crashed process. Redis
	// waits node-timeout; the engine waits its detect window, fences the
	// frozen primary and promotes.
	NativeSilent   = "native-failover-silent"
	EngineSilent   = "engine-promote-silent"
	ReplaceFromRDB = "replace-from-rdb"
	// ReplaceWarm rebuilds the lost shard on the engine's warm spare (a
	// started, empty node loaded with DEBUG RELOAD: no container start, no
	// 2 s writable delay).
	ReplaceWarm    = "replace-warm-spare"
	ReplaceFromAOF = "replace-from-aof"
	// ReplaceAOFWarm is replace-from-aof on the engine's warm spare: the
	// snapshot's appendonlydir goes into the running spare and is loaded
	// with DEBUG LOADAOF (no container start, no writable delay).
	ReplaceAOFWarm = "replace-aof-warm-spare"
	ReplicaResync  = "replica-resync"
	ClusterRoll    = "cluster-rollback"
	// The Sentinel comparison: a primary with two replicas under three
	// Sentinels whose down-after-milliseconds is the node timeout. On a
	// crash (kill) or silence (freeze) of the primary, Sentinel's own
	// failover against the engine's, which fails over through SENTINEL
	// FAILOVER as soon as it detects the failure.
	SentinelNative       = "sentinel-failover"
	SentinelEngine       = "sentinel-engine-promote"
	SentinelNativeSilent = "sentinel-failover-silent"
	SentinelEngineSilent = "sentinel-engine-promote-silent"
)

// sentinelReplicas is the replica count of the Sentinel trials' topology.
const sentinelReplicas = 2

// AllStrategies lists every bench strategy in run order.
func AllStrategies() []string {
	return []string{NativeFailover, EnginePromote, NativeSilent, EngineSilent, ReplaceFromRDB, ReplaceWarm, ReplaceFromAOF, ReplaceAOFWarm, ReplicaResync, ClusterRoll,
		SentinelNative, SentinelEngine, SentinelNativeSilent, SentinelEngineSilent}
}

// onSentinel says whether a strategy's trial runs on the Sentinel topology.
func onSentinel(s string) bool {
	switch s {
	case SentinelNative, SentinelEngine, SentinelNativeSilent, SentinelEngineSilent:
		return true
	}
	return false
}

// Config is what one bench run measures.
type Config struct {
	// Keys are the dataset sizes (total keys over the cluster).
	Keys []int `json:"keys"`
	// ValueSize is the bytes of each value.
	ValueSize int `json:"value_size"`
	// Repeat is how many samples each cell takes.
	Repeat int `json:"repeat"`
	// LargeRepeat, when > 0, replaces Repeat for sizes of at least LargeKeys.
	LargeRepeat int `json:"large_repeat,omitempty"`
	// LargeKeys is the size from which LargeRepeat applies.
	LargeKeys int `json:"large_keys,omitempty"`
	// Strategies are the bench strategies to run (see AllStrategies).
	Strategies []string `json:"strategies"`
	// NodeTimeout is the cluster-node-timeout.
	NodeTimeout time.Duration `json:"node_timeout"`
	// Floors measures raw load and copy floors and the backup comparison.
	Floors bool `json:"floors"`
	// DetectMode is the detection mode of every engine trial: auto (empty:
	// Docker events and probes) or probe (only what a sidecar sees).
	DetectMode detect.Mode `json:"detect_mode,omitempty"`
}

// DefaultConfig is what `redisdrill bench rollback` runs without flags.
func DefaultConfig() Config {
	return Config{
		Keys:        []int{100_000, 1_000_000},
		ValueSize:   100,
		Repeat:      3,
		LargeRepeat: 1,
		LargeKeys:   1_000_000,
		Strategies:  AllStrategies(),
		NodeTimeout: 5 * time.Second,
		Floors:      true,
	}
}

// RepeatFor returns the number of samples for a dataset size.
func (c Config) RepeatFor(keys int) int {
	if c.LargeRepeat > 0 && c.LargeKeys > 0 && keys >= c.LargeKeys {
		return c.LargeRepeat
	}
	return c.Repeat
}

// Validate reports a config that cannot run.
func (c Config) Validate() error {
	if len(c.Keys) == 0 {
		return fmt.Errorf("validate bench config: no dataset size")
	}
	for _, k := range c.Keys {
		if k < 1 || k > 50_000_000 {
			return fmt.Errorf("validate bench config: keys %d out of range [1, 50000000]", k)
		}
	}
	if c.ValueSize < 1 || c.ValueSize > 1<<20 {
		return fmt.Errorf("validate bench config: value size %d out of range [1, 1048576]", c.ValueSize)
	}
	if c.Repeat < 1 || c.Repeat > 100 || c.LargeRepeat < 0 || c.LargeRepeat > 100 {
		return fmt.Errorf("validate bench config: repeat must be in [1, 100]")
	}
	if len(c.Strategies) == 0 {
		return fmt.Errorf("validate bench config: no strategy")
	}
	for _, s := range c.Strategies {
		if !slices.Contains(AllStrategies(), s) {
			return fmt.Errorf("validate bench config: unknown strategy %q (known: %s)", s, strings.Join(AllStrategies(), ", "))
		}
	}
	if c.NodeTimeout < 100*time.Millisecond || c.NodeTimeout > 5*time.Minute {
		return fmt.Errorf("validate bench config: node timeout %s out of range [100ms, 5m]", c.NodeTimeout)
	}
	if _, err := detect.ParseMode(string(c.DetectMode)); err != nil {
		return fmt.Errorf("validate bench config: %w", err)
	}
	return nil
}

// ParseStrategies splits a comma-separated list ("all" or empty = every one).
func ParseStrategies(list string) ([]string, error) {
	list = strings.TrimSpace(list)
	if list == "" || list == "all" {
		return AllStrategies(), nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(AllStrategies(), s) {
			return nil, fmt.Errorf("parse strategies: unknown strategy %q (known: %s)", s, strings.Join(AllStrategies(), ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// topology is the 3x1 cluster every trial but the Sentinel ones runs on.
func (c Config) topology() harness.Topology {
	t := rediskit.DefaultCluster()
	t.NodeTimeout = c.NodeTimeout
	return t
}

// topologyFor is the deployment a strategy's trial runs on: the 3x1
// cluster, or for the Sentinel strategies one primary with two replicas
// under three Sentinels, with the same node timeout (as
// down-after-milliseconds) and persistence, so the two compare like with
// like, and min-replicas-to-write as the Sentinel scenarios have it.
func (c Config) topologyFor(strategy string) harness.Topology {
	t := c.topology()
	if onSentinel(strategy) {
		t.Kind, t.Primaries, t.Replicas = harness.KindSentinel, 1, sentinelReplicas
		// What the Redis docs advise against Sentinel's split brain: an
		// old primary that comes back (a reboot, an unfreeze) without a
		// replica acknowledging within 2 s refuses writes, instead of
		// acking writes Sentinel's reconfiguration will discard.
		t.ExtraConf = append(slices.Clone(t.ExtraConf), "min-replicas-to-write 1", "min-replicas-max-lag 2")
	}
	return t
}

// Env is what a run needs from its surroundings.
type Env struct {
	Docker *harness.Docker
	Image  string
	Logger *slog.Logger
	// WorkDir holds backup catalogs (removed after each trial); empty = a temp dir.
	WorkDir string
}
