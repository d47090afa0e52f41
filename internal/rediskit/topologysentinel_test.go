package rediskit

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSentinelMonitor(t *testing.T) {
	topo := Topology{Kind: KindSentinel, Replicas: 2, NodeTimeout: 5 * time.Second}
	cmds := SentinelMonitor(topo, "10.0.0.2")
	want := [][]string{
		{"SENTINEL", "MONITOR", "mymaster", "10.0.0.2", "6379", "2"},
		{"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "5000", "failover-timeout", "10000", "parallel-syncs", "1"},
	}
	if !slices.EqualFunc(cmds, want, slices.Equal[[]string]) {
		t.Errorf("SentinelMonitor = %q, want %q", cmds, want)
	}
	topo.Password, topo.Sentinels = "s3cret", 5
	cmds = SentinelMonitor(topo, "10.0.0.2")
	if got := cmds[0][5]; got != "3" {
		t.Errorf("quorum of 5 sentinels = %s, want 3", got)
	}
	if set := cmds[1]; !slices.Equal(set[len(set)-2:], []string{"auth-pass", "s3cret"}) {
		t.Errorf("SENTINEL SET with a password = %q, want auth-pass last", set)
	}
}

func TestSentinelConf(t *testing.T) {
	conf := SentinelConf("0.0.0.0", "/data")
	for _, line := range []string{"bind 0.0.0.0", "port 6379", "protected-mode no", "dir /data"} {
		if !strings.Contains(conf, line+"\n") {
			t.Errorf("sentinel conf lacks %q:\n%s", line, conf)
		}
	}
	if strings.Contains(conf, "sentinel monitor") {
		t.Errorf("sentinel conf names a primary before it is known:\n%s", conf)
	}
}
