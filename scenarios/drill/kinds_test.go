package drill_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/scenarios/drill"
)

// writeEvery writes k<i%200> through client every 5 ms until the returned
// stop is called.
func writeEvery(ctx context.Context, client redis.UniversalClient) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			client.Set(wctx, "k"+strconv.Itoa(i%200), strconv.Itoa(i), 0)
			cancel()
		}
	})
	return func() { close(done); wg.Wait() }
}

// injectAndMeasure observes client, arms the engine (probe mode), injects
// fault at target under writeEvery's traffic through client, waits for the
// engine's recovery and measures what the client saw.
func injectAndMeasure(t *testing.T, ctx context.Context, d *drill.Deployment, client redis.UniversalClient, fault, target string) *drill.Result {
	t.Helper()
	obs := drill.NewObserver()
	client.AddHook(obs)
	eng, err := d.StartEngine(ctx, drill.WithProbeDetection())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	stop := writeEvery(ctx, client)
	time.Sleep(time.Second)
	if err := eng.Inject(ctx, fault, target); err != nil {
		stop()
		t.Fatal(err)
	}
	res, rerr := eng.Recover(ctx)
	time.Sleep(time.Second)
	stop()
	if rerr != nil {
		t.Fatal(rerr)
	}
	if err := res.Measure(ctx, obs, client); err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	return res
}

// TestSentinelDeploymentPromotesThroughSentinel kills the primary of a
// WithSentinel deployment under a failover client of the test's own: the
// engine (probe mode) promotes a replica through SENTINEL FAILOVER, the
// client follows the Sentinels to it, and the deployment's primary is no
// longer the killed node.
func TestSentinelDeploymentPromotesThroughSentinel(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := drill.Run(ctx, drill.WithSentinel(2), drill.WithDurableWrites())
	defer d.Terminate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.ClusterOptions() != nil || d.Options() != nil {
		t.Error("a Sentinel deployment offers FailoverOptions only")
	}
	client := redis.NewFailoverClient(d.FailoverOptions())
	defer client.Close()
	old := d.Harness().Primary().Name()
	res := injectAndMeasure(t, ctx, d, client, "kill", "primary")
	if res.Strategy != "promote-replica" || !res.Verified {
		t.Errorf("engine: strategy %q verified %v, want promote-replica, verified", res.Strategy, res.Verified)
	}
	if now := d.Harness().Primary().Name(); now == old {
		t.Errorf("primary is still %s after its kill", now)
	}
	if res.AckedWrites == 0 || res.ClientRTO == 0 {
		t.Errorf("the client saw %d acked writes and RTO %v: want writes and an outage", res.AckedWrites, res.ClientRTO)
	}
}

// TestStandaloneDeploymentUndoesFlush runs FLUSHALL on a WithStandalone
// server (AOF) under a client of the test's own: the engine undoes the
// flush from the AOF, and no write the client saw acknowledged is lost.
func TestStandaloneDeploymentUndoesFlush(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := drill.Run(ctx, drill.WithStandalone())
	defer d.Terminate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Addrs()); n != 1 {
		t.Fatalf("standalone: %d nodes, want 1", n)
	}
	if d.ClusterOptions() != nil || d.FailoverOptions() != nil {
		t.Error("a standalone deployment offers Options only")
	}
	client := redis.NewClient(d.Options())
	defer client.Close()
	res := injectAndMeasure(t, ctx, d, client, "flushall", "primary")
	if res.Strategy != "undo-flush" || !res.Verified {
		t.Errorf("engine: strategy %q verified %v, want undo-flush, verified", res.Strategy, res.Verified)
	}
	if res.AckedWrites == 0 || res.AckedLost != 0 {
		t.Errorf("acked lost %d of %d (%v): want writes, none lost", res.AckedLost, res.AckedWrites, res.LostKeys)
		for _, s := range res.Report.Spans {
			t.Logf("span %s %v..%v %s", s.Name, s.Start.Sub(res.T0), s.End.Sub(res.T0), s.Detail)
		}
	}
}
