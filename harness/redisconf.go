package harness

import "github.com/redisdrill/redisdrill/internal/rediskit"

// Paths inside every node container.
const (
	DataDir      = "/data" // Redis working dir: RDB, AOF dir, nodes.conf
	ConfPath     = "/etc/redis/redisdrill.conf"
	SmallDiskDir = "/small" // size-limited tmpfs used by the disk-full fault
)

// SmallDiskSize is the size of the tmpfs mounted at SmallDiskDir.
const SmallDiskSize = "8m"

// renderConf builds the redis.conf of one node of the Docker provider.
func renderConf(t Topology) string { return rediskit.ServerConf(t, "0.0.0.0", DataDir) }
