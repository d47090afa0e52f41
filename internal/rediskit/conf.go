package rediskit

import (
	"fmt"
	"strings"
)

// ServerConf builds the redis.conf of one node of topology t that listens
// on bind (port RedisPort) and keeps its files in dir.
func ServerConf(t Topology, bind, dir string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("bind %s", bind)
	line("port %d", RedisPort)
	line("protected-mode no")
	line("dir %s", dir)
	line("logfile \"\"")
	line("loglevel notice")
	line("enable-debug-command yes")
	line("enable-protected-configs yes")
	line("repl-diskless-sync-delay 0")
	line("appenddirname %s", AOFDirName)
	line("dbfilename %s", RDBFileName)
	persistence := t.Persistence
	if persistence == "" {
		persistence = PersistAOF
	}
	switch persistence {
	case PersistRDB, PersistBoth:
		line("save 3600 1 300 100 60 10000")
	default:
		line("save \"\"")
	}
	if t.WritesAOF() {
		line("appendonly yes")
		fsync := t.AppendFsync
		if fsync == "" {
			fsync = "everysec"
		}
		line("appendfsync %s", fsync)
		line("aof-use-rdb-preamble yes")
	} else {
		line("appendonly no")
	}
	if t.AOFTimestamps {
		line("aof-timestamp-enabled yes")
	}
	if t.Password != "" {
		line("requirepass %q", t.Password)
		line("masterauth %q", t.Password)
	}
	if t.Kind == KindCluster {
		line("cluster-enabled yes")
		line("cluster-config-file %s", NodesConfName)
		line("cluster-node-timeout %d", t.NodeTimeout.Milliseconds())
		line("cluster-require-full-coverage yes")
		line("cluster-allow-replica-migration no")
	}
	for _, l := range t.ExtraConf {
		line("%s", l)
	}
	// Last, so a drop-in overrides everything above (Redis 7.0 and Valkey
	// skip a glob include that matches nothing).
	line("include %s/%s/*.conf", dir, ConfDropInDir)
	return b.String()
}
