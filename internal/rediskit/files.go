package rediskit

// The port and the files of a Redis server, as redisdrill configures it:
// its data dir holds the RDB, the multi-part AOF's directory and, on a
// cluster node, nodes.conf.
const (
	RedisPort     = 6379
	AOFDirName    = "appendonlydir"
	RDBFileName   = "dump.rdb"
	NodesConfName = "nodes.conf"
	// ConfDropInDir is the folder of the data dir whose *.conf files the
	// server's config includes last (none is fine): the engine puts a
	// temporary requirepass there to start a server that serves nobody
	// yet (recovery's closed start).
	ConfDropInDir = "conf.d"
)
