package harness

import "testing"

func TestParseServerStatus(t *testing.T) {
	cases := []struct {
		out  string
		want ServerStatus
		ok   bool
	}{
		{"true true 21274 -1 -1\n", ServerStatus{Up: true, WantUp: true, PID: 21274}, true},
		{"false false -1 -1 9\n", ServerStatus{Exited: true, ExitCode: -1, Signal: 9}, true},
		{"false true -1 1 -1\n", ServerStatus{WantUp: true, Exited: true, ExitCode: 1}, true},
		{"true true 30 -1 9\n", ServerStatus{Up: true, WantUp: true, PID: 30, Exited: true, ExitCode: -1, Signal: 9}, true},
		{"false false -1 0 -1\n", ServerStatus{Exited: true}, true},
		{"s6-svstat: fatal: unable to read status for /run/x: No such file or directory\n", ServerStatus{}, false},
		{"", ServerStatus{}, false},
	}
	for _, c := range cases {
		got, ok := parseServerStatus(c.out)
		if ok != c.ok || got != c.want {
			t.Errorf("parseServerStatus(%q) = %+v, %v; want %+v, %v", c.out, got, ok, c.want, c.ok)
		}
	}
}
