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

func TestMachineGoneFromMachineEvents(t *testing.T) {
	armed := time.Unix(1000, 0)
	at := func(s int) time.Time { return armed.Add(time.Duration(s) * time.Second) }
	ev := func(s int, node string, kind detect.Kind, source, detail string) detect.Event {
		return detect.Event{Time: at(s), Node: node, Kind: kind, Source: source, Detail: detail}
	}
	cases := []struct {
		name   string
		events []detect.Event
		want   bool
	}{
		{"no events", nil, false},
		{"SIGKILL sent", []detect.Event{ev(1, "n0", detect.KindKill, detect.SourceMachine, "signal=9")}, true},
		{"SIGSTOP is not a kill", []detect.Event{ev(1, "n0", detect.KindKill, detect.SourceMachine, "signal=19")}, false},
		{"died", []detect.Event{ev(1, "n0", detect.KindDie, detect.SourceMachine, "exitCode=137")}, true},
		{"died, then booted", []detect.Event{ev(1, "n0", detect.KindDie, detect.SourceMachine, ""), ev(2, "n0", detect.KindStart, detect.SourceMachine, "")}, false},
		{"the server died, the machine is up", []detect.Event{ev(1, "n0", detect.KindDie, detect.SourceSupervisor, "exitCode=-1 signal=9")}, false},
		{"before the engine was armed", []detect.Event{ev(-1, "n0", detect.KindDie, detect.SourceMachine, "")}, false},
		{"another node", []detect.Event{ev(1, "n1", detect.KindDie, detect.SourceMachine, "")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := machineGoneIn(c.events, "n0", armed); got != c.want {
				t.Fatalf("machineGoneIn = %v, want %v", got, c.want)
			}
		})
	}
}

// TestMachineExitFromMachineEvents: a machine Docker reported killed with
// SIGKILL and dead gives its exit code without a look at it; a death
// without the kill (the server could have refused its files first), a
// kill without the death yet, or a boot after, gives nothing.
func TestMachineExitFromMachineEvents(t *testing.T) {
	armed := time.Unix(1000, 0)
	ev := func(s int, kind detect.Kind, source, detail string) detect.Event {
		return detect.Event{Time: armed.Add(time.Duration(s) * time.Second), Node: "n0", Kind: kind, Source: source, Detail: detail}
	}
	kill := ev(1, detect.KindKill, detect.SourceMachine, "signal=9")
	die := ev(2, detect.KindDie, detect.SourceMachine, "exitCode=137")
	cases := []struct {
		name     string
		events   []detect.Event
		wantCode int
		want     bool
	}{
		{"killed and died", []detect.Event{kill, die}, 137, true},
		{"killed, not dead yet", []detect.Event{kill}, 0, false},
		{"died without a kill", []detect.Event{die}, 0, false},
		{"SIGTERM, then died", []detect.Event{ev(1, detect.KindKill, detect.SourceMachine, "signal=15"), die}, 0, false},
		{"killed, died, booted", []detect.Event{kill, die, ev(3, detect.KindStart, detect.SourceMachine, "")}, 0, false},
		{"the supervisor's events are not the machine's", []detect.Event{ev(1, detect.KindKill, detect.SourceSupervisor, "signal=9"), ev(2, detect.KindDie, detect.SourceSupervisor, "exitCode=137")}, 0, false},
		{"before the engine was armed", []detect.Event{ev(-2, detect.KindKill, detect.SourceMachine, "signal=9"), ev(-1, detect.KindDie, detect.SourceMachine, "exitCode=137")}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, ok := machineExitIn(c.events, "n0", armed)
			if ok != c.want || (ok && code != c.wantCode) {
				t.Fatalf("machineExitIn = %d, %v; want %d, %v", code, ok, c.wantCode, c.want)
			}
		})
	}
}
