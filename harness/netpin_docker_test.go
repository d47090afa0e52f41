package harness

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// TestMachinesKeepTheirAddressesAcrossBoots crashes every machine of a
// 3x1 cluster and boots them in the reverse order: each comes back at
// the address it had (Docker would otherwise hand out the lowest free
// address in boot order), so every node's nodes.conf still names its
// peers right, no node is listed without an address, and the cluster is
// ok again without anyone introducing the nodes to each other.
func TestMachinesKeepTheirAddressesAcrossBoots(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := requireDocker(t, ctx)
	topo, err := rediskit.ParseTopologyName("3x1")
	if err != nil {
		t.Fatal(err)
	}
	dep, err := Start(ctx, d, topo, StartOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = dep.Terminate(context.Background()) })
	if err != nil {
		t.Fatal(err)
	}
	if !dep.subnet.prefix.IsValid() {
		t.Fatalf("the run's network has no pinned subnet")
	}
	nodes := dep.Nodes()
	before := map[string]string{}
	for i, n := range nodes {
		before[n.Name()] = n.IP()
		if want := dep.subnet.node(n.Index()).String(); n.IP() != want {
			t.Errorf("node %d (%s) at %s, want its pinned %s", i, n.Name(), n.IP(), want)
		}
	}
	for _, n := range nodes {
		if err := n.Kill(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if err := waitMachineDown(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	reversed := slices.Clone(nodes)
	slices.Reverse(reversed)
	for _, n := range reversed {
		if err := n.Boot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if n.IP() != before[n.Name()] {
			t.Errorf("%s came back at %s, was at %s", n.Name(), n.IP(), before[n.Name()])
		}
	}
	deadline := time.Now().Add(time.Minute)
	for _, n := range nodes {
		for {
			info, ierr := n.Client().ClusterInfo(ctx).Result()
			out, nerr := n.Client().ClusterNodes(ctx).Result()
			if ierr == nil && nerr == nil && strings.Contains(info, "cluster_state:ok") && !strings.Contains(out, " :6379@") && !strings.Contains(out, " :0@") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: cluster not ok with every node addressed a minute after the boots: %v %v\n%s", n.Name(), ierr, nerr, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
