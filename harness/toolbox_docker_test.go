package harness

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// TestShellStoppedReachesEveryVolume runs one script over two stopped
// nodes: each node's own volume is mounted at StoppedMount, so what the
// script writes there is what that node's own Shell reads afterwards; a
// node whose machine is up is refused before any container is made.
func TestShellStoppedReachesEveryVolume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := requireDocker(t, ctx)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	topo, err := rediskit.ParseTopologyName("1+1")
	if err != nil {
		t.Fatal(err)
	}
	dep, err := Start(ctx, d, topo, StartOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dep.Terminate(context.Background()) }()
	nodes := dep.Nodes()
	if _, err := ShellStopped(ctx, nodes, "true"); err == nil || !strings.Contains(err.Error(), "machine is up") {
		t.Fatalf("running nodes: want a refusal, got %v", err)
	}
	for _, n := range nodes {
		if err := n.Kill(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if err := waitMachineDown(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	script := "set -e"
	for _, n := range nodes {
		script += "; echo " + n.Name() + " > " + StoppedMount(n) + "/owner"
	}
	if _, err := ShellStopped(ctx, nodes, script); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		out, err := n.Shell(ctx, "cat "+DataDir+"/owner")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out); got != n.Name() {
			t.Errorf("%s's volume holds owner %q", n.Name(), got)
		}
	}
}
