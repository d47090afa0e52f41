package rediskit

import (
	"strings"
	"testing"
	"time"
)

func TestTopologyValidate(t *testing.T) {
	bad := map[string]Topology{
		"zero primaries":    {Kind: KindCluster, Primaries: 0, NodeTimeout: time.Second},
		"negative replicas": {Kind: KindCluster, Primaries: 3, Replicas: -1, NodeTimeout: time.Second},
		"no node timeout":   {Kind: KindCluster, Primaries: 3},
		"unknown kind":      {Kind: "ring"},
		"replicated alone":  {Kind: KindReplicated},
		"standalone+rep":    {Kind: KindStandalone, Replicas: 1},
		"bad persistence":   {Kind: KindStandalone, Persistence: "tape"},
		"bad fsync":         {Kind: KindStandalone, AppendFsync: "sometimes"},
		"sentinel alone":    {Kind: KindSentinel, NodeTimeout: time.Second},
		"sentinel no down":  {Kind: KindSentinel, Replicas: 1},
		"sentinel negative": {Kind: KindSentinel, Replicas: 1, NodeTimeout: time.Second, Sentinels: -1},
		"sentinels outside": {Kind: KindReplicated, Replicas: 1, Sentinels: 3},
		"sentinel 2 shards": {Kind: KindSentinel, Primaries: 2, Replicas: 1, NodeTimeout: time.Second},
	}
	for name, topo := range bad {
		if err := topo.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, topo)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
	good := []Topology{DefaultCluster(), {Kind: KindStandalone}, {Kind: KindReplicated, Replicas: 2},
		{Kind: KindSentinel, Replicas: 2, NodeTimeout: time.Second}, {Kind: KindSentinel, Replicas: 1, NodeTimeout: time.Second, Sentinels: 5}}
	for _, topo := range good {
		if err := topo.Validate(); err != nil {
			t.Errorf("Validate(%v) = %v", topo, err)
		}
	}
	if got := DefaultCluster().NodeCount(); got != 6 {
		t.Errorf("default cluster has %d nodes, want 6", got)
	}
	s := Topology{Kind: KindSentinel, Replicas: 2, NodeTimeout: time.Second}
	if s.NodeCount() != 3 || s.SentinelCount() != 3 || s.SentinelQuorum() != 2 {
		t.Errorf("sentinel 1+2: %d servers, %d sentinels, quorum %d; want 3, 3, 2", s.NodeCount(), s.SentinelCount(), s.SentinelQuorum())
	}
	if DefaultCluster().SentinelCount() != 0 {
		t.Errorf("a cluster has %d sentinels", DefaultCluster().SentinelCount())
	}
}

func TestSlotRangesCoverOnce(t *testing.T) {
	for n := 1; n <= 7; n++ {
		var view []ClusterNode
		for i, r := range SlotRanges(n) {
			view = append(view, ClusterNode{ID: string(rune('a' + i)), Flags: []string{"master"}, Slots: [][2]int{r}})
		}
		if err := CheckSlotCoverage(view); err != nil {
			t.Errorf("%d shards: %v", n, err)
		}
	}
}

func TestParseClusterNodesAndCoverage(t *testing.T) {
	text := `07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,hostname4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
vars currentEpoch 4 lastVoteEpoch 0`
	view, err := ParseClusterNodes(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(view) != 4 || view[0].MasterID != "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" || view[0].Addr != "127.0.0.1:30004" {
		t.Fatalf("parsed %+v", view)
	}
	if !view[3].Has("myself") || view[3].SlotCount() != 5461 {
		t.Errorf("myself line parsed as %+v", view[3])
	}
	if err := CheckSlotCoverage(view); err != nil {
		t.Errorf("full coverage reported as %v", err)
	}
	view[1].Flags = append(view[1].Flags, "fail")
	if err := CheckSlotCoverage(view); err == nil || !strings.Contains(err.Error(), "5462 slots unserved") {
		t.Errorf("failed primary: got %v", err)
	}
	view[1].Flags = []string{"master"}
	view[2].Slots = append(view[2].Slots, [2]int{0, 9})
	if err := CheckSlotCoverage(view); err == nil || !strings.Contains(err.Error(), "10 served twice") {
		t.Errorf("double claim: got %v", err)
	}
	if _, err := ParseClusterNodes("abc 1.2.3.4:1 master"); err == nil {
		t.Error("short line accepted")
	}
}

func TestParseInfo(t *testing.T) {
	info := ParseInfo("# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n")
	if info["role"] != "slave" || info["master_link_status"] != "up" {
		t.Errorf("ParseInfo = %v", info)
	}
}
