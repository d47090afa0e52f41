package harness

import (
	"context"
	"testing"
	"time"
)

// TestBootHeldKeepsTheServerDown crashes a node's machine and boots it with
// BootHeld: the machine runs, the server does not (and stays down past
// s6's one-second respawn pace), files can be written through the running
// machine, and Start then starts the server on them. A later plain boot
// starts the server at once again (the hold is for one boot only).
func TestBootHeldKeepsTheServerDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startStandalone(t, ctx, RestartAlways)
	if err := n.Kill(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := waitMachineDown(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := n.BootHeld(ctx); err != nil {
		t.Fatal(err)
	}
	if up, err := n.MachineRunning(ctx); err != nil || !up {
		t.Fatalf("after BootHeld the machine must run: %v, %v", up, err)
	}
	time.Sleep(1500 * time.Millisecond)
	st, err := n.ServerStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Up || st.WantUp {
		t.Fatalf("after BootHeld the server must be held down: %+v", st)
	}
	if _, err := n.Shell(ctx, "echo held > "+DataDir+"/held-marker"); err != nil {
		t.Fatalf("write through the held machine: %v", err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitPing(ctx); err != nil {
		t.Fatalf("start after a held boot: %v", err)
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
		t.Fatalf("a plain boot after a held one must start the server: %v", err)
	}
}
