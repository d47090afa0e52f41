package rediskit

import (
	"strings"
	"testing"
)

func TestParseTopologyName(t *testing.T) {
	for name, want := range map[string]string{"3x1": "cluster 3x1", "3X0": "cluster 3x0", " 1+2 ": "primary+2 replicas", "standalone": "standalone",
		"1+2s": "sentinel 1+2", "1+1S": "sentinel 1+1", "1+2s5": "sentinel 1+2 (5 sentinels)", "1+2s3": "sentinel 1+2"} {
		topo, err := ParseTopologyName(name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if topo.String() != want {
			t.Errorf("%q parsed as %q, want %q", name, topo, want)
		}
		if back, err := ParseTopologyName(topo.ShortName()); err != nil || back.String() != want {
			t.Errorf("%q: ShortName %q does not parse back (%v)", name, topo.ShortName(), err)
		}
	}
	if topo, _ := ParseTopologyName("3x1"); topo.NodeTimeout != DefaultCluster().NodeTimeout || topo.Persistence != PersistAOF {
		t.Errorf("3x1 lacks the default cluster settings: %+v", topo)
	}
	if topo, _ := ParseTopologyName("1+2s"); topo.NodeTimeout != DefaultCluster().NodeTimeout || topo.SentinelCount() != DefaultSentinels {
		t.Errorf("1+2s lacks the default sentinel settings: %+v", topo)
	}
	for _, bad := range []string{"", "ring", "0x1", "3x", "x1", "2+1", "1+0", "1+x", "3x-1", "1+0s", "1+2s0", "1+2sx", "1+s", "2+1s"} {
		_, err := ParseTopologyName(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", bad, err)
		}
	}
}
