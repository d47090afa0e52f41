package harness

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// poolTestSetup returns the engine, an empty pool (closed when the test
// ends), the default image and a silent logger.
func poolTestSetup(t *testing.T) (*Docker, *Pool, ImageInfo, *slog.Logger) {
	t.Helper()
	ctx := context.Background()
	d := requireDocker(t, ctx)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	info, err := EnsureImage(ctx, d, quiet)
	if err != nil {
		t.Fatal(err)
	}
	pool := NewPool(ctx, d, quiet)
	t.Cleanup(pool.Close)
	return d, pool, info, quiet
}

// TestPoolHandsOverTheDeploymentItStarted prepares a 3x1 cluster, then
// starts the same topology through the pool: the deployment is the one the
// pool started (its run id), ready, with Setup saying it was pooled; a
// second Start finds the pool empty and starts its own.
func TestPoolHandsOverTheDeploymentItStarted(t *testing.T) {
	ctx := context.Background()
	d, pool, info, quiet := poolTestSetup(t)
	topo := rediskit.DefaultCluster()
	pool.Prepare(Spec{Topology: topo, Image: info.Ref})
	pool.Prepare(Spec{Topology: topo, Image: info.Ref}) // held already: no second start

	dep, err := Start(ctx, d, topo, StartOptions{Image: info.Ref, Logger: quiet, Pool: pool})
	if dep != nil {
		defer func() { _ = dep.Terminate(ctx) }()
	}
	if err != nil {
		t.Fatalf("start through the pool: %v", err)
	}
	if !dep.Setup.Pooled || dep.Setup.PoolStart <= 0 {
		t.Fatalf("setup %+v: not marked as pooled", dep.Setup)
	}
	if err := dep.Ready(ctx); err != nil {
		t.Fatalf("pooled deployment not ready: %v", err)
	}
	if got := len(dep.Nodes()); got != topo.NodeCount() {
		t.Errorf("pooled deployment has %d nodes, want %d", got, topo.NodeCount())
	}
	t.Logf("ready %s after the call (its own start took %s)", dep.Setup.Ready.Round(time.Millisecond), dep.Setup.PoolStart.Round(time.Millisecond))

	cold, err := Start(ctx, d, Topology{Kind: KindStandalone, Persistence: PersistNone}, StartOptions{Image: info.Ref, Logger: quiet, Pool: pool})
	if cold != nil {
		defer func() { _ = cold.Terminate(ctx) }()
	}
	if err != nil {
		t.Fatalf("cold start after the pool was emptied: %v", err)
	}
	if cold.Setup.Pooled || cold.RunID == dep.RunID {
		t.Errorf("second start came from the pool (%+v)", cold.Setup)
	}
}

// TestPoolDiscardsWhatNobodyWants prepares one topology and starts another:
// Start tears the pooled deployment down before it starts its own (nothing
// of it is left), and Close tears down a deployment still being started.
func TestPoolDiscardsWhatNobodyWants(t *testing.T) {
	ctx := context.Background()
	d, pool, info, quiet := poolTestSetup(t)
	pool.Prepare(Spec{Topology: rediskit.DefaultCluster(), Image: info.Ref})
	time.Sleep(300 * time.Millisecond) // its start is under way
	standalone := Topology{Kind: KindStandalone, Persistence: PersistNone}
	dep, err := Start(ctx, d, standalone, StartOptions{Image: info.Ref, Logger: quiet, Pool: pool})
	if dep != nil {
		defer func() { _ = dep.Terminate(ctx) }()
	}
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if dep.Setup.Pooled {
		t.Fatal("a standalone start took the pooled cluster")
	}
	runs := runsOf(t, d)
	for id := range runs {
		if id != dep.RunID {
			t.Errorf("run %s (the unwanted pooled cluster) left %d objects behind", id, leftoverCount(t, d, id))
		}
	}

	pool.Prepare(Spec{Topology: rediskit.DefaultCluster(), Image: info.Ref})
	time.Sleep(300 * time.Millisecond)
	before := runsOf(t, d)
	pool.Close()
	pool.Prepare(Spec{Topology: rediskit.DefaultCluster(), Image: info.Ref}) // closed: ignored
	for id := range before {
		if id == dep.RunID {
			continue
		}
		if n := leftoverCount(t, d, id); n != 0 {
			t.Errorf("closed pool left %d objects of run %s", n, id)
		}
	}
	if after := runsOf(t, d); len(after) != 1 {
		t.Errorf("runs after Close: %v, want only %s", after, dep.RunID)
	}
}

// runsOf returns the run ids of this test process's containers.
func runsOf(t *testing.T, d *Docker) map[string]bool {
	t.Helper()
	f := client.Filters{}.Add("label", LabelOwner+"="+d.owner)
	cs, err := d.API().ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	out := map[string]bool{}
	for _, c := range cs.Items {
		out[c.Labels[LabelRun]] = true
	}
	return out
}
