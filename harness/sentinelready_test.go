package harness

import "testing"

// TestSentinelNodeReplicasSkipsReplicationClients: a Sentinel that caught
// a host-side SYNC (a backup) in its primary's INFO lists it as <ip>:0
// for good; readiness counts only the replicas that can be nodes.
func TestSentinelNodeReplicasSkipsReplicationClients(t *testing.T) {
	listed := []map[string]string{
		{"ip": "192.168.176.1", "port": "0", "flags": "s_down,slave"},
		{"ip": "192.168.176.17", "port": "6379", "flags": "slave"},
		{"ip": "192.168.176.16", "port": "6379", "flags": "slave"},
	}
	got := sentinelNodeReplicas(listed)
	if len(got) != 2 || got[0]["ip"] != "192.168.176.17" || got[1]["ip"] != "192.168.176.16" {
		t.Fatalf("got %v, want the two replicas on port 6379", got)
	}
	if n := len(sentinelNodeReplicas(nil)); n != 0 {
		t.Fatalf("none listed: got %d", n)
	}
}
