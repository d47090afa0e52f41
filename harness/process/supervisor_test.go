package process

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// TestClusterProcesses: a 3x1 cluster of local processes forms; the
// supervisor restarts a server killed with SIGKILL behind its back
// (policy always) and reports the exit and the start; a machine crash
// (Kill) keeps the node down until Start boots it, as Stop and HoldDown
// keep the server down while the machine stays up; files, quarantine and
// scratch loads work on the host.
func TestClusterProcesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dep := startDeployment(ctx, t, rediskit.DefaultCluster())
	t.Logf("3x1 ready in %s (%s)", dep.FormedIn.Round(time.Millisecond), dep.Dir())
	if product, version := dep.Server(); product == "" || version == "" {
		t.Errorf("Server() = %q %q", product, version)
	}
	nodes := dep.Members()
	if len(nodes) != 6 {
		t.Fatalf("%d members, want 6", len(nodes))
	}
	shards, err := dep.Shards(ctx, nodes[0])
	if err != nil || len(shards) != 3 {
		t.Fatalf("shards: %d, %v", len(shards), err)
	}
	for _, s := range shards {
		if s.Primary == nil || len(s.Replicas) != 1 {
			t.Fatalf("shard %d: primary %v, %d replicas", s.Index, s.Primary, len(s.Replicas))
		}
	}
	victim := shards[0].Replicas[0].(*Node)

	t.Run("supervisor restarts a killed server", func(t *testing.T) {
		before, err := victim.ServerStatus(ctx)
		if err != nil || !before.Up || before.PID == 0 || !before.WantUp {
			t.Fatalf("status before: %+v, %v", before, err)
		}
		ectx, ecancel := context.WithCancel(ctx)
		defer ecancel()
		events := victim.ServerEvents(ectx, time.Now())
		if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		exit := nextServerEvent(t, events)
		if exit.Start || exit.Exit != "code=-1 signal=9" {
			t.Fatalf("first event %+v, want an exit code=-1 signal=9", exit)
		}
		if start := nextServerEvent(t, events); !start.Start || start.Time.Before(exit.Time) {
			t.Fatalf("second event %+v, want a start after the exit", start)
		}
		if err := victim.WaitPing(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := victim.ServerStatus(ctx)
		if err != nil || !after.Up || after.PID == before.PID {
			t.Fatalf("status after: %+v (pid before %d), %v", after, before.PID, err)
		}
		logs, err := victim.Logs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(logs, LogServerStart) != 2 || !strings.Contains(logs, LogServerExit+" code=-1 signal=9") ||
			strings.Count(logs, "Redis is starting") != 2 {
			t.Errorf("log markers missing:\n%s", tail(logs, 20))
		}
		// A replay from the beginning has both runs.
		all := victim.ServerEvents(ectx, time.Time{})
		if e := nextServerEvent(t, all); !e.Start {
			t.Errorf("replay starts with %+v, want the first start", e)
		}
	})

	t.Run("machine crash stays down until Start", func(t *testing.T) {
		wctx, wcancel := context.WithCancel(ctx)
		defer wcancel()
		machines, _ := dep.WatchMachines(wctx, time.Time{})
		killed := time.Now()
		if err := victim.Kill(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if up, _ := victim.MachineRunning(ctx); up {
			t.Fatal("machine up right after Kill returned")
		}
		if code, exited, _ := victim.Exited(ctx); !exited || code != 137 {
			t.Errorf("Exited = %d, %v; want 137, true", code, exited)
		}
		if _, err := victim.ServerStatus(ctx); err == nil {
			t.Error("ServerStatus of a machine that is down did not fail")
		}
		if kill := nextMachineEvent(t, machines, victim.Name()); kill.Action != "kill" || kill.Detail != "signal=9" {
			t.Errorf("machine event %+v, want kill signal=9", kill)
		}
		if die := nextMachineEvent(t, machines, victim.Name()); die.Action != "die" || die.Detail != "exitCode=137" {
			t.Errorf("machine event %+v, want die exitCode=137", die)
		}
		time.Sleep(1500 * time.Millisecond)
		if running, _ := victim.Running(ctx); running {
			t.Fatal("a crashed machine came back by itself")
		}
		if err := victim.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if boot := nextMachineEvent(t, machines, victim.Name()); boot.Action != "start" {
			t.Errorf("machine event %+v, want start", boot)
		}
		if err := victim.WaitPing(ctx); err != nil {
			t.Fatal(err)
		}
		// A watcher that subscribes later replays from since.
		replay, _ := dep.WatchMachines(wctx, killed)
		if first := nextMachineEvent(t, replay, victim.Name()); first.Action != "kill" {
			t.Errorf("replayed %+v, want the kill first", first)
		}
	})

	t.Run("stop and hold down keep the server down", func(t *testing.T) {
		// A replica that refuses SIGTERM while it writes its first AOF
		// after a sync ("Writing initial AOF, can't exit") would cost
		// Stop its timeout: let it settle first.
		waitSettled(ctx, t, victim)
		if err := victim.Stop(ctx, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		for _, hold := range []bool{false, true} {
			if hold {
				if err := victim.HoldDown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(1200 * time.Millisecond)
			st, err := victim.ServerStatus(ctx)
			if err != nil || st.Up || st.WantUp || !st.Exited {
				t.Fatalf("hold=%v: status %+v, %v; want down, not wanted up", hold, st, err)
			}
			if up, _ := victim.MachineRunning(ctx); !up {
				t.Fatalf("hold=%v: the machine went down", hold)
			}
			if _, exited, _ := victim.Exited(ctx); !exited {
				t.Fatalf("hold=%v: Exited false for a server kept down", hold)
			}
			if err := victim.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := victim.WaitPing(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := victim.Pause(ctx); err != nil {
			t.Fatal(err)
		}
		if running, paused, _ := victim.State(ctx); running || !paused {
			t.Errorf("State after Pause = %v, %v", running, paused)
		}
		if err := victim.Unpause(ctx); err != nil {
			t.Fatal(err)
		}
		if err := victim.WaitPing(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("files and quarantine", func(t *testing.T) {
		n := shards[1].Primary.(*Node)
		data := n.DataDir()
		if err := n.WriteFile(ctx, filepath.Join(data, "note.txt"), []byte("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := n.ReadFile(ctx, filepath.Join(data, "note.txt")); err != nil || string(got) != "hello" {
			t.Fatalf("ReadFile = %q, %v", got, err)
		}
		out := t.TempDir()
		if err := n.CopyDirOut(ctx, data, out); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{rediskit.NodesConfName, rediskit.AOFDirName, "note.txt"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("CopyDirOut: %v", err)
			}
		}
		in := t.TempDir()
		if err := os.MkdirAll(filepath.Join(in, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, "sub", "x"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := n.CopyDirIn(ctx, in, data); err != nil {
			t.Fatal(err)
		}
		got, err := n.Quarantine(ctx, ".q1", []string{"note.txt", "sub", "absent"})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(data, ".q1") + " (note.txt, sub)"; got != want {
			t.Errorf("Quarantine = %q, want %q", got, want)
		}
		if _, err := os.Stat(filepath.Join(data, ".q1", "sub", "x")); err != nil {
			t.Errorf("quarantined file: %v", err)
		}
		if err := dep.QuarantineAll(ctx, []deploy.Node{n}, ".q1", []string{"absent"}); err != nil {
			t.Fatal(err)
		}
		code, lsOut, err := n.Exec(ctx, "ls", "-a", data)
		if err != nil || code != 0 || !strings.Contains(lsOut, ".q1") {
			t.Errorf("Exec ls = %d %q %v", code, lsOut, err)
		}
		if _, err := n.Shell(ctx, "exit 3"); err == nil || !strings.Contains(err.Error(), "exit 3") {
			t.Errorf("Shell exit 3 = %v", err)
		}
	})

	t.Run("scratch loads", func(t *testing.T) {
		n := shards[2].Primary.(*Node)
		c := n.Client()
		defer c.Close()
		for _, k := range []string{"{a}1", "{a}2", "{a}3"} { // slot 15495: shard 2
			if err := c.Set(ctx, k, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.BgRewriteAOF(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "AOF rewrite", func() bool {
			info, err := n.Info(ctx, "persistence")
			return err == nil && info["aof_rewrite_in_progress"] == "0" && info["aof_rewrite_scheduled"] == "0"
		})
		dir := t.TempDir()
		if err := n.CopyDirOut(ctx, n.DataDir(), dir); err != nil {
			t.Fatal(err)
		}
		if keys, err := n.ScratchKeys(ctx, dir, true); err != nil || keys != 3 {
			t.Fatalf("ScratchKeys = %d, %v; want 3", keys, err)
		}
		rdb := filepath.Join(t.TempDir(), "out.rdb")
		if keys, err := dep.ScratchRDB(ctx, dir, true, rdb); err != nil || keys != 3 {
			t.Fatalf("ScratchRDB = %d, %v; want 3", keys, err)
		}
		rdbDir := t.TempDir()
		data, err := os.ReadFile(rdb)
		if err != nil || !strings.HasPrefix(string(data), "REDIS") {
			t.Fatalf("saved rdb: %d bytes, %v", len(data), err)
		}
		if err := os.WriteFile(filepath.Join(rdbDir, rediskit.RDBFileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if keys, err := dep.ScratchKeys(ctx, rdbDir, false); err != nil || keys != 3 {
			t.Fatalf("ScratchKeys of the saved rdb = %d, %v; want 3", keys, err)
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(filepath.Join(rdbDir, rediskit.RDBFileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := dep.ScratchKeys(ctx, rdbDir, false); err == nil {
			t.Fatal("a scratch server loaded a damaged rdb")
		} else {
			t.Logf("damaged rdb refused: %v", err)
		}
	})

	if err := dep.WaitReady(ctx); err != nil {
		t.Fatalf("ready at the end: %v", err)
	}
}

// waitSettled waits until n's server is synced with its primary (if a
// replica) and writes no AOF in the background.
func waitSettled(ctx context.Context, t *testing.T, n *Node) {
	t.Helper()
	eventually(t, 20*time.Second, n.Name()+" settled", func() bool {
		repl, err := n.Info(ctx, "replication")
		if err != nil || (repl["role"] == "slave" && repl["master_link_status"] != "up") {
			return false
		}
		p, err := n.Info(ctx, "persistence")
		return err == nil && p["aof_rewrite_in_progress"] == "0" && p["aof_rewrite_scheduled"] == "0" && p["loading"] == "0"
	})
}

// nextServerEvent returns the next server event, failing after 10 s.
func nextServerEvent(t *testing.T, ch <-chan deploy.ServerEvent) deploy.ServerEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("server events closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no server event within 10s")
	}
	return deploy.ServerEvent{}
}

// nextMachineEvent returns the next machine event of node, failing after
// 10 s.
func nextMachineEvent(t *testing.T, ch <-chan deploy.MachineEvent, node string) deploy.MachineEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("machine events closed")
			}
			if e.Node == node {
				return e
			}
		case <-deadline:
			t.Fatal("no machine event within 10s")
		}
	}
}
