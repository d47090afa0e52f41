package rediskit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings of a KindSentinel topology's Sentinels.
const (
	// DefaultSentinels is the number of Sentinels when Topology.Sentinels
	// is 0: the smallest count whose majority survives losing one.
	DefaultSentinels = 3
	// SentinelMaster is the name the Sentinels monitor the primary under
	// (SENTINEL MONITOR <name>), and clients ask them for.
	SentinelMaster = "mymaster"
	// SentinelFailoverTimeout is the Sentinels' failover-timeout (default
	// 180 s): a failover that stalls is retried after twice this, so a
	// short one keeps a drill's worst case short.
	SentinelFailoverTimeout = 10 * time.Second
	// SentinelParallelSyncs is the number of replicas reconfigured to the
	// new primary at once after a failover (parallel-syncs).
	SentinelParallelSyncs = 1
)

// SentinelCount is the number of Sentinels the topology starts: 0 for a
// kind other than KindSentinel, DefaultSentinels when Sentinels is 0.
func (t Topology) SentinelCount() int {
	switch {
	case t.Kind != KindSentinel:
		return 0
	case t.Sentinels == 0:
		return DefaultSentinels
	}
	return t.Sentinels
}

// SentinelQuorum is the number of Sentinels that must agree the primary
// is down before a failover starts: a majority of SentinelCount (2 of 3),
// the same majority that must elect the Sentinel that fails over.
func (t Topology) SentinelQuorum() int { return t.SentinelCount()/2 + 1 }

// SentinelConf builds the configuration file of one Sentinel of t that
// listens on bind, port RedisPort (each Sentinel has a node, and an
// address, of its own), and keeps its state in dir. Sentinel rewrites the
// file as it learns (monitored primary, replicas, other Sentinels, epochs),
// so it must be writable. The primary is given later, once its address is
// known: SentinelMonitor.
func SentinelConf(bind, dir string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("bind %s", bind)
	line("port %d", RedisPort)
	line("protected-mode no")
	line("dir %s", dir)
	line("logfile \"\"")
	line("loglevel notice")
	return b.String()
}

// SentinelMonitor returns the commands that make a Sentinel monitor t's
// primary at ip (port RedisPort) under SentinelMaster: SENTINEL MONITOR
// with SentinelQuorum, then SENTINEL SET for down-after-milliseconds
// (t.NodeTimeout, so a drill compares like with like with a cluster's
// node-timeout), failover-timeout, parallel-syncs and, with a password,
// auth-pass.
func SentinelMonitor(t Topology, ip string) [][]string {
	set := []string{"SENTINEL", "SET", SentinelMaster,
		"down-after-milliseconds", strconv.FormatInt(t.NodeTimeout.Milliseconds(), 10),
		"failover-timeout", strconv.FormatInt(SentinelFailoverTimeout.Milliseconds(), 10),
		"parallel-syncs", strconv.Itoa(SentinelParallelSyncs)}
	if t.Password != "" {
		set = append(set, "auth-pass", t.Password)
	}
	return [][]string{
		{"SENTINEL", "MONITOR", SentinelMaster, ip, strconv.Itoa(RedisPort), strconv.Itoa(t.SentinelQuorum())},
		set,
	}
}

// SentinelFlags splits the flags field of SENTINEL MASTER or SENTINEL
// REPLICAS ("master", "slave,s_down,disconnected") into its flags.
func SentinelFlags(field string) []string { return strings.Split(field, ",") }
