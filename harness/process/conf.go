package process

import (
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Names of a node's files in its folder (the data dir is dataDirName).
const (
	confFileName = "redis.conf"
	logFileName  = "redis.log"
)

// renderConf builds the redis.conf of a node listening on ip with its data
// in dataDir and its log at logPath: the topology's configuration
// (rediskit.ServerConf) plus what a local process needs. A server binds
// its outgoing connections (cluster bus, replication) to its own address
// (bind-source-addr, Redis 7 and Valkey): without it they leave from
// 127.0.0.1, and the other nodes would learn that address as the node's.
// Servers without the option announce their address instead.
func renderConf(topo rediskit.Topology, ip, dataDir, logPath string, bindSource bool) string {
	var b strings.Builder
	b.WriteString(rediskit.ServerConf(topo, ip, dataDir))
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# local process (redisdrill harness/process)")
	line("daemonize no")
	line("logfile %q", logPath)
	if bindSource {
		line("%s %s", bindSourceOption, ip)
	} else {
		line("replica-announce-ip %s", ip)
		if topo.Kind == rediskit.KindCluster {
			line("cluster-announce-ip %s", ip)
		}
	}
	return b.String()
}
