package recovery

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestLiftFences lifts only the failed node's open kill and already-down
// fences set by the recovery in progress, and leaves Readmit nothing to do
// for them.
func TestLiftFences(t *testing.T) {
	at := time.Now()
	e := &Engine{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), fences: []Fence{
		{Node: "n0", Method: FenceKill, At: at},                          // an earlier recovery's fence
		{Node: "n0", Method: FenceKill, At: at},                          // this recovery's
		{Node: "n0", Method: FenceAlreadyDown, At: at},                   // this recovery's
		{Node: "n1", Method: FenceKill, At: at},                          // another node
		{Node: "n0", Method: FencePauseWrites, At: at},                   // released on its own
		{Node: "n0", Method: FenceKill, At: at, Outcome: "replica of x"}, // already resolved
	}}
	e.liftFences(1, untouchableNode{name: "n0"}, "why")
	got := e.Fences()
	for i, want := range []bool{false, true, true, false, false, false} {
		if lifted := !got[i].Lifted.IsZero(); lifted != want {
			t.Errorf("fence %d (%+v): lifted %v, want %v", i, got[i], lifted, want)
		}
		if want && got[i].Outcome != "lifted: why" {
			t.Errorf("fence %d: outcome %q", i, got[i].Outcome)
		}
	}
	if p := e.pendingKills(); len(p) != 2 || p[0] != 0 || p[1] != 3 {
		t.Errorf("pending kills after lift: %v, want [0 3]", p)
	}
	e.liftFences(0, nil, "no node")
}
