package harness

import "github.com/redisdrill/redisdrill/internal/rediskit"

// The harness speaks rediskit's Redis types; these names keep its API.
type (
	// Topology describes the deployment a run starts.
	Topology = rediskit.Topology
	// Kind is the shape of a Redis deployment.
	Kind = rediskit.Kind
	// Persistence selects which files Redis writes.
	Persistence = rediskit.Persistence
	// RestartPolicy says what a node's service manager does when its
	// server exits on its own.
	RestartPolicy = rediskit.RestartPolicy
	// ClusterNode is one line of CLUSTER NODES.
	ClusterNode = rediskit.ClusterNode
	// Shard is one primary with its replicas and slots.
	Shard = rediskit.Shard[*Node]
)

// Topology kinds, persistence modes and restart policies (rediskit's).
const (
	KindStandalone = rediskit.KindStandalone
	KindReplicated = rediskit.KindReplicated
	KindCluster    = rediskit.KindCluster
	KindSentinel   = rediskit.KindSentinel
	PersistNone    = rediskit.PersistNone
	PersistRDB     = rediskit.PersistRDB
	PersistAOF     = rediskit.PersistAOF
	PersistBoth    = rediskit.PersistBoth
	RestartAlways  = rediskit.RestartAlways
	RestartNo      = rediskit.RestartNo
)

// The server's port and files, and the number of hash slots (rediskit's).
const (
	RedisPort     = rediskit.RedisPort
	AOFDirName    = rediskit.AOFDirName
	RDBFileName   = rediskit.RDBFileName
	NodesConfName = rediskit.NodesConfName
	TotalSlots    = rediskit.TotalSlots
)
