package recovery

import (
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/detect"
)

func TestNotAnsweringInProbeMode(t *testing.T) {
	w := detect.DefaultDownAfter
	since := time.Unix(1000, 0)
	cases := []struct {
		name   string
		st     detect.NodeStatus
		waited time.Duration
		want   nodeState
		ok     bool
	}{
		{"answering", detect.NodeStatus{Reachable: true}, time.Minute, 0, false},
		{"loading", detect.NodeStatus{Loading: true, Refused: true, Down: true}, time.Minute, 0, false},
		{"process gone, within the restart grace", detect.NodeStatus{Refused: true, Down: true, FailingSince: since}, restartGrace / 2, 0, false},
		{"process gone, grace passed", detect.NodeStatus{Refused: true, Down: true, FailingSince: since}, restartGrace, nodeDown, true},
		{"silent, shorter than the window", detect.NodeStatus{FailingSince: since}, time.Minute, 0, false},
		{"silent for the window", detect.NodeStatus{Down: true, FailingSince: since}, 0, nodeSilent, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, detail, ok := notAnswering(c.st, c.waited, w)
			if ok != c.ok || ok && got != c.want {
				t.Fatalf("notAnswering = %v %q %v, want %v %v", got, detail, ok, c.want, c.ok)
			}
		})
	}
}
