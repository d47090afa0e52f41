package detect

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
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
	down := observation{Err: io.EOF}
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
	s.step(observation{Err: io.EOF}, "ip", noReplicas, th)
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

// silentRound is a probe round that timed out, from at to at+300ms.
func silentRound(at time.Time) observation {
	return observation{Start: at, End: at.Add(300 * time.Millisecond), Err: context.DeadlineExceeded}
}

func TestStepSilenceMustLastTheWindow(t *testing.T) {
	s := newNodeState()
	w := thresholds{MinKeys: 1, LossRatio: 0.5, DownAfter: 1500 * time.Millisecond}
	t0 := time.Unix(1000, 0)
	s.step(master("a", 10), "ip", noReplicas, w)
	// A 1 s stall: rounds every 350 ms that time out, then an answer.
	for at := t0; at.Before(t0.Add(800 * time.Millisecond)); at = at.Add(350 * time.Millisecond) {
		if got := kinds(s.step(silentRound(at), "ip", noReplicas, w)); got != "" {
			t.Fatalf("round at +%v of a 1 s stall: got %q, want no event", at.Sub(t0), got)
		}
	}
	if got := kinds(s.step(master("a", 10), "ip", noReplicas, w)); got != "stall" {
		t.Fatalf("answer after a short stall: got %q, want stall", got)
	}
	// A long silence: down once the rounds cover the window, once.
	var events []string
	for at := t0.Add(5 * time.Second); at.Before(t0.Add(8 * time.Second)); at = at.Add(350 * time.Millisecond) {
		if got := kinds(s.step(silentRound(at), "ip", noReplicas, w)); got != "" {
			events = append(events, got+"@"+at.Sub(t0.Add(5*time.Second)).String())
		}
	}
	if len(events) != 1 || events[0] != "unreachable@1.4s" {
		t.Fatalf("long silence: got %v, want one unreachable in the round ending at +1.7s (started +1.4s)", events)
	}
	if got := kinds(s.step(master("a", 10), "ip", noReplicas, w)); got != "reachable" {
		t.Fatalf("answer after down: got %q, want reachable", got)
	}
	if _, _, since := s.health(); !since.IsZero() {
		t.Fatalf("health after an answer: failing since %v, want zero", since)
	}
}

func TestStepRefusedIsDownAtOnce(t *testing.T) {
	s := newNodeState()
	w := thresholds{MinKeys: 1, LossRatio: 0.5, DownAfter: time.Hour}
	s.step(master("a", 10), "ip", noReplicas, w)
	refused := observation{Start: time.Unix(1, 0), End: time.Unix(1, 0), Err: errors.Join(errors.New("dial"), errConnClosed)}
	if got := kinds(s.step(refused, "ip", noReplicas, w)); got != "unreachable" {
		t.Fatalf("closed connection: got %q, want unreachable at once", got)
	}
	if down, gone, _ := s.health(); !down || !gone {
		t.Fatalf("health after a refusal: down %v refused %v, want both", down, gone)
	}
}
