package harness

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// waitMachineDown polls until n's machine (container) is down.
func waitMachineDown(ctx context.Context, n *Node) error {
	for {
		up, err := n.MachineRunning(ctx)
		if err != nil {
			return err
		}
		if !up {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s's machine to stop: %w", n.Name(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startStandalone starts a one-node deployment with the restart policy.
func startStandalone(t *testing.T, ctx context.Context, policy RestartPolicy) *Node {
	t.Helper()
	d := requireDocker(t, ctx)
	topo, err := rediskit.ParseTopologyName("standalone")
	if err != nil {
		t.Fatal(err)
	}
	topo.Restart = policy
	dep, err := Start(ctx, d, topo, StartOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dep.Terminate(context.Background()) })
	n := dep.Nodes()[0]
	if !n.Supervised() {
		t.Fatalf("node %s of %s is not supervised", n.Name(), dep.Image)
	}
	return n
}

// TestSupervisedServerCrashRestarts: under restart policy always, a crash
// kills the server process, the machine stays up and runit starts the
// server again, with a new pid, holding its data.
func TestSupervisedServerCrashRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartAlways)
	c := n.Client()
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	before, err := n.ServerStatus(ctx)
	if err != nil || !before.Up || before.PID == 0 {
		t.Fatalf("status before crash: %+v, %v", before, err)
	}
	if err := n.Crash(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := n.ServerStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Up || after.PID == before.PID {
		t.Errorf("after crash: %+v (pid before %d): want a restarted server", after, before.PID)
	}
	if up, err := n.MachineRunning(ctx); err != nil || !up {
		t.Errorf("machine up after a server crash: %v, %v", up, err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k after restart = %q, %v (AOF everysec, written before the crash)", got, err)
	}
	logs, err := n.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(logs, LogServerStart) != 2 || !strings.Contains(logs, LogServerExit+" code=-1 signal=9") {
		t.Errorf("supervisor log markers missing:\n%s", logs)
	}
}

// TestSupervisedPolicyNoStopStart: under restart policy no, a crashed
// server stays down and Exited says so; Stop and Start act on the server
// while the machine stays up; a machine crash and Start boot the node.
func TestSupervisedPolicyNoStopStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartNo)
	if err := n.Crash(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, exited, err := n.Exited(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if exited {
			if code != -1 {
				t.Errorf("exit code after SIGKILL = %d, want -1", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("crashed server under policy no never reported down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // runsv would have restarted it by now
	if running, err := n.Running(ctx); err != nil || running {
		t.Fatalf("server under policy no restarted by itself: running=%v, %v", running, err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if running, err := n.Running(ctx); err != nil || running {
		t.Fatalf("after Stop: running=%v, %v", running, err)
	}
	if up, err := n.MachineRunning(ctx); err != nil || !up {
		t.Fatalf("after Stop the machine must stay up: %v, %v", up, err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Kill(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := waitMachineDown(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatalf("after a machine crash and boot: %v", err)
	}
}

// TestWaitPingSeesRefusal: a server that refuses its files exits with an
// error; WaitPing says so even while runit keeps restarting it.
func TestWaitPingSeesRefusal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartAlways)
	if err := n.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Shell(ctx, "printf garbage > "+DataDir+"/"+AOFDirName+"/appendonly.aof.1.base.rdb"); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	err := n.WaitPing(wctx)
	if err == nil || !strings.Contains(err.Error(), "exited with code 1") {
		t.Fatalf("WaitPing on a refusing server = %v, want exited with code 1", err)
	}
}

// TestFreezeStopsTheServerAtOnce: when Freeze returns the server process
// is stopped (state T), so nothing it does can change its files any more;
// Crash then kills it and the supervisor starts it again.
func TestFreezeStopsTheServerAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartAlways)
	st, err := n.ServerStatus(ctx)
	if err != nil || st.PID == 0 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if err := n.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	_, out, err := n.Exec(ctx, "sh", "-c", fmt.Sprintf("cut -d' ' -f3 /proc/%d/stat", st.PID))
	if err != nil || strings.TrimSpace(out) != "T" {
		t.Fatalf("server state right after Freeze = %q, %v; want T (stopped)", strings.TrimSpace(out), err)
	}
	if err := n.Crash(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatal(err)
	}
}
