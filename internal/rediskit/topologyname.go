package rediskit

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseTopologyName parses a short topology name: "standalone", "PxR" for
// a cluster of P primaries with R replicas each ("3x1"), "1+R" for a
// primary with R replicas ("1+2"), or "1+Rs" for a primary with R
// replicas under DefaultSentinels Sentinels ("1+2s"; "1+2s5" for five
// Sentinels). A cluster and a Sentinel topology get DefaultCluster's node
// timeout (Sentinel's down-after-milliseconds); every topology
// DefaultCluster's persistence.
func ParseTopologyName(name string) (Topology, error) {
	def := DefaultCluster()
	t := Topology{Persistence: def.Persistence, AppendFsync: def.AppendFsync}
	s := strings.ToLower(strings.TrimSpace(name))
	bad := func() (Topology, error) {
		return Topology{}, fmt.Errorf("parse topology %q: want standalone, PxR (cluster, e.g. 3x1), 1+R (primary and replicas, e.g. 1+2) or 1+Rs[N] (primary and replicas under N Sentinels, default 3, e.g. 1+2s)", name)
	}
	switch {
	case s == "standalone":
		t.Kind = KindStandalone
	case strings.Contains(s, "x"):
		p, r, _ := strings.Cut(s, "x")
		np, err1 := strconv.Atoi(p)
		nr, err2 := strconv.Atoi(r)
		if err1 != nil || err2 != nil {
			return bad()
		}
		t.Kind, t.Primaries, t.Replicas, t.NodeTimeout = KindCluster, np, nr, def.NodeTimeout
	case strings.Contains(s, "+"):
		p, r, _ := strings.Cut(s, "+")
		r, sentinels, sentinel := strings.Cut(r, "s")
		nr, err := strconv.Atoi(r)
		if p != "1" || err != nil {
			return bad()
		}
		t.Kind, t.Primaries, t.Replicas = KindReplicated, 1, nr
		if sentinel {
			ns := 0
			if sentinels != "" {
				if ns, err = strconv.Atoi(sentinels); err != nil || ns < 1 {
					return bad()
				}
			}
			t.Kind, t.Sentinels, t.NodeTimeout = KindSentinel, ns, def.NodeTimeout
		}
	default:
		return bad()
	}
	if err := t.Validate(); err != nil {
		return Topology{}, fmt.Errorf("parse topology %q: %w", name, err)
	}
	return t, nil
}

// ShortName is the topology's short name, as ParseTopologyName reads it:
// "3x1", "1+2", "1+2s" (with DefaultSentinels; "1+2s5" with five) or
// "standalone".
func (t Topology) ShortName() string {
	switch t.Kind {
	case KindCluster:
		return fmt.Sprintf("%dx%d", t.Primaries, t.Replicas)
	case KindReplicated:
		return fmt.Sprintf("1+%d", t.Replicas)
	case KindSentinel:
		if n := t.SentinelCount(); n != DefaultSentinels {
			return fmt.Sprintf("1+%ds%d", t.Replicas, n)
		}
		return fmt.Sprintf("1+%ds", t.Replicas)
	}
	return string(t.Kind)
}
