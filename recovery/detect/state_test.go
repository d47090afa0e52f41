package detect

import (
	"errors"
	"strings"
	"testing"
)

func kinds(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, string(e.Kind))
	}
	return strings.Join(s, ",")
}

func noReplicas(string) int64 { return 0 }

var th = thresholds{MinKeys: 1, LossRatio: 0.5}

func master(run string, keys int64) observation {
	return observation{RunID: run, Role: "master", Keys: keys, ClusterState: "ok"}
}

func TestStepTransitionsOncePerChange(t *testing.T) {
	s := newNodeState()
	if got := kinds(s.step(master("a", 10), "ip", noReplicas, th)); got != "" {
		t.Fatalf("healthy first round: got %q, want no events", got)
	}
	down := observation{Err: errors.New("timeout")}
	if got := kinds(s.step(down, "ip", noReplicas, th)); got != "unreachable" {
		t.Fatalf("first failure: got %q", got)
	}
	if got := kinds(s.step(down, "ip", noReplicas, th)); got != "" {
		t.Fatalf("second failure must not repeat: got %q", got)
	}
	o := master("a", 10)
	o.ClusterState = "fail"
	if got := kinds(s.step(o, "ip", noReplicas, th)); got != "reachable,cluster-fail" {
		t.Fatalf("back with cluster fail: got %q", got)
	}
	o.Role, o.LinkStatus = "slave", "down"
	if got := kinds(s.step(o, "ip", noReplicas, th)); got != "role-change,link-down" {
		t.Fatalf("demoted: got %q", got)
	}
	o.LinkStatus, o.ClusterState = "up", "ok"
	if got := kinds(s.step(o, "ip", noReplicas, th)); got != "link-up,cluster-ok" {
		t.Fatalf("link up: got %q", got)
	}
	o.PersistErr = "aof_last_write_status:err"
	if got := kinds(s.step(o, "ip", noReplicas, th)); got != "persistence-error" {
		t.Fatalf("persistence: got %q", got)
	}
	o.PersistErr = ""
	if got := kinds(s.step(o, "ip", noReplicas, th)); got != "persistence-ok" {
		t.Fatalf("persistence ok: got %q", got)
	}
}

func TestStepEmptyRestart(t *testing.T) {
	cases := []struct {
		name       string
		before     int64
		after      observation
		replica    int64
		wantKindsP string
	}{
		{"wiped primary", 1000, master("b", 0), 0, "redis-restart,empty-restart"},
		{"reloaded primary", 1000, master("b", 999), 0, "redis-restart"},
		{"replica held data", 0, master("b", 0), 500, "redis-restart,empty-restart"},
		{"empty before", 0, master("b", 0), 0, "redis-restart"},
		{"half lost", 1000, master("b", 100), 0, "redis-restart,empty-restart"},
		{"replica restarts empty", 1000, observation{RunID: "b", Role: "slave", LinkStatus: "up", ClusterState: "ok"}, 0, "redis-restart,role-change"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newNodeState()
			s.step(master("a", c.before), "ip", noReplicas, th)
			repl := func(ip string) int64 {
				if ip == "ip" {
					return c.replica
				}
				return 0
			}
			got := kinds(s.step(c.after, "ip", repl, th))
			if got != c.wantKindsP {
				t.Fatalf("got %q, want %q", got, c.wantKindsP)
			}
		})
	}
}

func TestStepEmptyRestartWaitsForLoading(t *testing.T) {
	s := newNodeState()
	s.step(master("a", 1000), "ip", noReplicas, th)
	loading := master("b", 3)
	loading.Loading = true
	if got := kinds(s.step(loading, "ip", noReplicas, th)); got != "redis-restart" {
		t.Fatalf("while loading: got %q", got)
	}
	if got := kinds(s.step(master("b", 1000), "ip", noReplicas, th)); got != "" {
		t.Fatalf("loaded fully: got %q, want nothing", got)
	}
	s.step(observation{Err: errors.New("down")}, "ip", noReplicas, th)
	if got := kinds(s.step(master("c", 0), "ip", noReplicas, th)); got != "reachable,redis-restart,empty-restart" {
		t.Fatalf("second restart empty: got %q", got)
	}
}

func TestParseObservation(t *testing.T) {
	info := "# Server\r\nrun_id:abc\r\n# Replication\r\nrole:slave\r\nmaster_host:10.0.0.2\r\nmaster_link_status:down\r\n" +
		"# Persistence\r\nloading:0\r\nrdb_last_bgsave_status:err\r\naof_last_write_status:ok\r\n# Keyspace\r\ndb0:keys=10,expires=0,avg_ttl=0\r\ndb3:keys=5,expires=1,avg_ttl=9\r\n"
	o := parseObservation(info, "cluster_state:fail\r\ncluster_slots_assigned:16384\r\n")
	if o.RunID != "abc" || o.Role != "slave" || o.MasterHost != "10.0.0.2" || o.LinkStatus != "down" || o.Keys != 15 ||
		o.ClusterState != "fail" || o.PersistErr != "rdb_last_bgsave_status:err" || o.Loading {
		t.Fatalf("unexpected observation %+v", o)
	}
}
