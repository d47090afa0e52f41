package recovery

import (
	"strings"
	"testing"
	"time"
)

// TestFailFlagObservation: a watch that saw the flag names the peer, the
// window after t0 and node-timeout; one that never saw it says nothing.
func TestFailFlagObservation(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	w := &failFlagWatch{cancel: func() {}, done: make(chan struct{}), peer: "n1",
		first: t0.Add(5200 * time.Millisecond), last: t0.Add(12300 * time.Millisecond)}
	close(w.done)
	got := w.stop("n0", t0, 5*time.Second)
	for _, want := range []string{"fail-flag: n1 saw n0 flagged FAIL", "+5.2s", "+12.3s", "held ≥ 7.1s", "node-timeout 5s"} {
		if !strings.Contains(got, want) {
			t.Errorf("observation %q lacks %q", got, want)
		}
	}
	quiet := &failFlagWatch{cancel: func() {}, done: make(chan struct{})}
	close(quiet.done)
	if got := quiet.stop("n0", t0, 5*time.Second); got != "" {
		t.Errorf("no flag seen, observation %q", got)
	}
	var none *failFlagWatch
	if got := none.stop("n0", t0, time.Second); got != "" {
		t.Errorf("nil watch: %q", got)
	}
}
