package detect

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// TestProbeModeWindowOnRealRedis checks the window rule against a real
// redis-server in probe mode (no Docker events): a 1 s freeze is a stall,
// not a failure; a freeze longer than the window is down once it covers
// the window; a killed process is down at once, and its process is known
// gone (refused), which a frozen one never is.
func TestProbeModeWindowOnRealRedis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, deploy.Topology{Kind: rediskit.KindStandalone, Persistence: rediskit.PersistNone})
	n := dep.Nodes()[0]
	det, err := Start(ctx, dep.Engine(), Options{NoDocker: true})
	if err != nil {
		t.Fatalf("start detector: %v", err)
	}
	defer det.Stop()
	if det.Mode() != ModeProbe || det.DownAfter() != DefaultDownAfter {
		t.Fatalf("mode %s, window %v", det.Mode(), det.DownAfter())
	}

	freeze := func(d time.Duration) time.Time {
		t.Helper()
		at := time.Now()
		if err := n.Pause(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(d - time.Since(at))
		if err := n.Unpause(ctx); err != nil {
			t.Fatal(err)
		}
		return at
	}
	wait := func(since time.Time, k Kind) Event {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		defer wcancel()
		e, err := det.Wait(wctx, Match(since, n.Name(), k))
		if err != nil {
			t.Fatalf("no %s event: %v (events %v)", k, err, det.All())
		}
		return e
	}

	short := freeze(time.Second)
	stall := wait(short, KindStall)
	if e, ok := det.FirstAfter(short, KindUnreachable); ok {
		t.Fatalf("a 1 s freeze was judged down: %v", e)
	}
	t.Logf("1 s freeze: %v", stall)

	long := time.Now()
	if err := n.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	down := wait(long, KindUnreachable)
	if got := down.Time.Sub(long); got < DefaultDownAfter || got > DefaultDownAfter+time.Second {
		t.Errorf("freeze judged down after %v, want within [W, W+1s] for W = %v", got, DefaultDownAfter)
	}
	if !strings.Contains(down.Detail, "silent for") {
		t.Errorf("freeze detail %q, want silence", down.Detail)
	}
	if st, _ := det.Status(n.Name()); !st.Down || st.Refused || st.Reachable {
		t.Errorf("status of the frozen node %+v: want down, not refused", st)
	}
	t.Logf("long freeze judged down after %v: %v", down.Time.Sub(long), down)
	if err := n.Unpause(ctx); err != nil {
		t.Fatal(err)
	}
	wait(long, KindReachable)

	kill := time.Now()
	if err := n.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	dead := wait(kill, KindUnreachable)
	if got := dead.Time.Sub(kill); got > 500*time.Millisecond {
		t.Errorf("kill judged down after %v, want at once", got)
	}
	if st, _ := det.Status(n.Name()); !st.Down || !st.Refused {
		t.Errorf("status of the killed node %+v: want down and refused", st)
	}
	t.Logf("kill judged down after %v: %v", dead.Time.Sub(kill), dead)
	for _, e := range det.All() {
		if e.Source != SourceProbe {
			t.Errorf("probe mode recorded a %s event: %v", e.Source, e)
		}
	}
}
