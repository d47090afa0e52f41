package harness

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestFenceServerKeepsMachineUp: a server fence kills the server and
// keeps it down under restart policy always while the machine stays up,
// on a running machine and on a frozen one (the kill lands at the thaw);
// the fenced start writes no log marker, and Start brings the server back
// with its data.
func TestFenceServerKeepsMachineUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartAlways)
	c := n.Client()
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	staysDown := func(when string) {
		t.Helper()
		// Past s6's one-second respawn pace and the finish script's
		// hurried restart: the server must still be down.
		deadline := time.Now().Add(1500 * time.Millisecond)
		for time.Now().Before(deadline) {
			if _, down, err := n.ServerDown(ctx); err != nil || !down {
				t.Fatalf("%s: server down = %v (%v), want it kept down", when, down, err)
			}
			// A client of its own each time: go-redis stops dialling
			// after PoolSize failed dials and hands back the last
			// error for up to a second after the server is back.
			q := n.QuickClient(200 * time.Millisecond)
			err := q.Ping(ctx).Err()
			_ = q.Close()
			if err == nil {
				t.Fatalf("%s: the fenced server answered PING", when)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if up, err := n.MachineRunning(ctx); err != nil || !up {
			t.Fatalf("%s: machine up = %v (%v), want the machine kept up", when, up, err)
		}
	}
	restart := func(when string) {
		t.Helper()
		if err := n.Start(ctx); err != nil {
			t.Fatalf("%s: start: %v", when, err)
		}
		if err := n.WaitPing(ctx); err != nil {
			t.Fatalf("%s: wait ping: %v", when, err)
		}
		fresh := n.Client() // c's pooled connection died with the server
		defer fresh.Close()
		if got, err := fresh.Get(ctx, "k").Result(); err != nil || got != "v" {
			logs, _ := n.Logs(ctx)
			t.Fatalf("%s: GET k = %q, %v\n%s", when, got, err, logs)
		}
	}

	if err := n.FenceServer(ctx); err != nil {
		t.Fatalf("fence a running server: %v", err)
	}
	staysDown("fenced while running")
	restart("readmitted after a fence while running")

	if err := n.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.FenceServer(ctx); err != nil {
		t.Fatalf("fence a frozen server: %v", err)
	}
	if err := n.Unpause(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	for {
		if _, down, err := n.ServerDown(wctx); err == nil && down {
			break
		}
		if wctx.Err() != nil {
			t.Fatal("the frozen server's kill did not land at the thaw")
		}
		time.Sleep(20 * time.Millisecond)
	}
	staysDown("fenced while frozen")
	logs, err := n.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(logs, LogServerStart); got != 2 {
		t.Errorf("%d server starts in the log, want 2 (boot, readmission): a fenced run script must start nothing\n%s", got, logs)
	}
	restart("readmitted after a fence while frozen")
}
