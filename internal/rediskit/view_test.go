package rediskit

import "testing"

func TestSeesRoles(t *testing.T) {
	view, err := ParseClusterNodes(`p1 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460
r1 10.0.0.4:6379@16379 slave p1 0 0 1 connected
r2 10.0.0.5:6379@16379 slave - 0 0 0 connected
p2 10.0.0.2:6379@16379 master,handshake - 0 0 2 connected 5461-10922`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, pid string
		want    bool
	}{{"r1", "p1", true}, {"r1", "p2", false}, {"r2", "p1", false}, {"r9", "p1", false}} {
		if got := SeesReplica(view, c.id, c.pid); got != c.want {
			t.Errorf("SeesReplica(%s, %s) = %v, want %v", c.id, c.pid, got, c.want)
		}
	}
	for _, c := range []struct {
		id   string
		r    [2]int
		want bool
	}{{"p1", [2]int{0, 5460}, true}, {"p1", [2]int{0, 5461}, false}, {"p2", [2]int{5461, 10922}, false}, {"r1", [2]int{0, 5460}, false}} {
		if got := SeesSlots(view, c.id, c.r); got != c.want {
			t.Errorf("SeesSlots(%s, %v) = %v, want %v", c.id, c.r, got, c.want)
		}
	}
}
