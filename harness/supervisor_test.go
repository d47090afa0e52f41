package harness

import "testing"

func TestParseServerStatus(t *testing.T) {
	cases := []struct {
		out  string
		want ServerStatus
		ok   bool
	}{
		{"run: /run/redisdrill/sv/redis: (pid 10) 5s\n\n", ServerStatus{Up: true, WantUp: true, PID: 10}, true},
		{"run: /run/redisdrill/sv/redis: (pid 29) 0s\n\n-1 9\n", ServerStatus{Up: true, WantUp: true, PID: 29, Exited: true, ExitCode: -1, Signal: 9}, true},
		{"down: /run/redisdrill/sv/redis: 0s, normally up, want up\n\n1 0\n", ServerStatus{WantUp: true, Exited: true, ExitCode: 1}, true},
		{"down: /run/redisdrill/sv/redis: 3s, normally up\n\n0 0\n", ServerStatus{Exited: true}, true},
		{"run: /run/redisdrill/sv/redis: (pid 7) 2s, want down\n\n", ServerStatus{Up: true, PID: 7}, true},
		{"finish: /run/redisdrill/sv/redis: (pid 12) 0s\n\n-1 9\n", ServerStatus{WantUp: true, Exited: true, ExitCode: -1, Signal: 9}, true},
		{"warning: /run/redisdrill/sv/redis: unable to open supervise/ok: file does not exist\n", ServerStatus{}, false},
	}
	for _, c := range cases {
		got, ok := parseServerStatus(c.out)
		if ok != c.ok || got != c.want {
			t.Errorf("parseServerStatus(%q) = %+v, %v; want %+v, %v", c.out, got, ok, c.want, c.ok)
		}
	}
}
