package rediskit

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the shape of a Redis deployment.
type Kind string

// The topologies redisdrill can run.
const (
	KindStandalone Kind = "standalone" // one redis-server
	KindReplicated Kind = "replicated" // one primary and N replicas, no cluster
	KindCluster    Kind = "cluster"    // Redis Cluster, M primaries × R replicas
	// KindSentinel is one primary and N replicas watched by Sentinels
	// (Topology.Sentinels, each on a node of its own), which fail over on
	// their own and tell clients where the primary is.
	KindSentinel Kind = "sentinel"
)

// Persistence selects which files Redis writes.
type Persistence string

// Persistence modes.
const (
	PersistNone Persistence = "none"
	PersistRDB  Persistence = "rdb"
	PersistAOF  Persistence = "aof"
	PersistBoth Persistence = "both"
)

// Topology describes the deployment a run starts.
type Topology struct {
	Kind        Kind
	Primaries   int           // shards (Cluster) — 1 otherwise
	Replicas    int           // replicas per primary
	NodeTimeout time.Duration // cluster-node-timeout; Sentinel's down-after-milliseconds
	// Sentinels is the number of Sentinels of a KindSentinel topology, each
	// on a node of its own; 0 means DefaultSentinels. Other kinds have none.
	Sentinels   int
	Persistence Persistence
	AppendFsync string   // always, everysec, no (AOF only)
	Password    string   // requirepass / masterauth; empty for none
	ExtraConf   []string // extra redis.conf lines, appended last
	// AOFTimestamps enables aof-timestamp-enabled (point-in-time recovery).
	AOFTimestamps bool
	// Restart is what each node's service manager does when its server
	// exits on its own: RestartAlways (the default, as systemd in
	// production) or RestartNo.
	Restart RestartPolicy
}

// DefaultCluster returns the default 3×1 Redis Cluster topology.
func DefaultCluster() Topology {
	return Topology{
		Kind: KindCluster, Primaries: 3, Replicas: 1,
		NodeTimeout: 5 * time.Second, Persistence: PersistAOF, AppendFsync: "everysec",
	}
}

// Validate reports a topology that cannot exist.
func (t Topology) Validate() error {
	switch t.Kind {
	case KindStandalone:
		if t.Replicas != 0 {
			return errors.New("validate topology: standalone has no replicas")
		}
	case KindReplicated:
		if t.Replicas < 1 {
			return fmt.Errorf("validate topology: replicated needs at least 1 replica, got %d", t.Replicas)
		}
	case KindCluster:
		if t.Primaries < 1 {
			return fmt.Errorf("validate topology: cluster needs at least 1 primary, got %d", t.Primaries)
		}
		if t.NodeTimeout <= 0 {
			return errors.New("validate topology: cluster node-timeout must be > 0")
		}
	case KindSentinel:
		if t.Replicas < 1 {
			return fmt.Errorf("validate topology: sentinel needs at least 1 replica to fail over to, got %d", t.Replicas)
		}
		if t.NodeTimeout <= 0 {
			return errors.New("validate topology: sentinel down-after-milliseconds (node timeout) must be > 0")
		}
		if t.Sentinels < 0 {
			return fmt.Errorf("validate topology: sentinels must be >= 0, got %d", t.Sentinels)
		}
	default:
		return fmt.Errorf("validate topology: unknown kind %q (want standalone, replicated, sentinel or cluster)", t.Kind)
	}
	if t.Kind != KindSentinel && t.Sentinels != 0 {
		return fmt.Errorf("validate topology: %s has no sentinels, got %d", t.Kind, t.Sentinels)
	}
	if t.Replicas < 0 {
		return fmt.Errorf("validate topology: replicas must be >= 0, got %d", t.Replicas)
	}
	if t.Kind != KindCluster && t.Primaries > 1 {
		return fmt.Errorf("validate topology: %s has exactly one primary, got %d", t.Kind, t.Primaries)
	}
	switch t.Persistence {
	case "", PersistNone, PersistRDB, PersistAOF, PersistBoth:
	default:
		return fmt.Errorf("validate topology: unknown persistence %q (want none, rdb, aof or both)", t.Persistence)
	}
	switch t.Restart {
	case "", RestartAlways, RestartNo:
	default:
		return fmt.Errorf("validate topology: unknown restart policy %q (want always or no)", t.Restart)
	}
	switch t.AppendFsync {
	case "", "always", "everysec", "no":
	default:
		return fmt.Errorf("validate topology: unknown appendfsync %q (want always, everysec or no)", t.AppendFsync)
	}
	return nil
}

// ShardCount is the number of primaries the topology starts.
func (t Topology) ShardCount() int {
	if t.Kind == KindCluster {
		return t.Primaries
	}
	return 1
}

// NodeCount is the number of Redis servers the topology starts, each on
// a node (container) of its own; a KindSentinel topology starts
// SentinelCount more nodes for its Sentinels.
func (t Topology) NodeCount() int { return t.ShardCount() * (1 + t.Replicas) }

// String renders the topology for reports, e.g. "cluster 3x1" or
// "sentinel 1+2".
func (t Topology) String() string {
	switch t.Kind {
	case KindCluster:
		return fmt.Sprintf("cluster %dx%d", t.Primaries, t.Replicas)
	case KindReplicated:
		return fmt.Sprintf("primary+%d replicas", t.Replicas)
	case KindSentinel:
		if n := t.SentinelCount(); n != DefaultSentinels {
			return fmt.Sprintf("sentinel 1+%d (%d sentinels)", t.Replicas, n)
		}
		return fmt.Sprintf("sentinel 1+%d", t.Replicas)
	default:
		return string(t.Kind)
	}
}

// WritesAOF reports whether the topology's nodes write an AOF (the
// default persistence is AOF).
func (t Topology) WritesAOF() bool {
	return t.Persistence == "" || t.Persistence == PersistAOF || t.Persistence == PersistBoth
}

// RestartPolicy says what a node's service manager does when redis-server
// exits on its own (a crash, or a refusal to load its files).
type RestartPolicy string

// Restart policies.
const (
	// RestartAlways restarts the server whenever it exits, as systemd's
	// Restart=always does in production (and what makes a primary that
	// restarts empty a hazard to its replicas).
	RestartAlways RestartPolicy = "always"
	// RestartNo leaves an exited server down until someone starts it.
	RestartNo RestartPolicy = "no"
)
