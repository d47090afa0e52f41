package rediskit

// The port and the files of a Redis server, as redisdrill configures it:
// its data dir holds the RDB, the multi-part AOF's directory and, on a
// cluster node, nodes.conf.
const (
	RedisPort     = 6379
	AOFDirName    = "appendonlydir"
	RDBFileName   = "dump.rdb"
	NodesConfName = "nodes.conf"
)
