package workload

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/testenv"
)

// startDeployment starts topo for one test and registers its teardown
// before checking the start error. Without Docker (or with -short) the test
// skips, or fails when CI=true (testenv.RequireDocker).
func startDeployment(t *testing.T, topo harness.Topology) *harness.Deployment {
	t.Helper()
	ctx := context.Background()
	d := testenv.RequireDocker(t)
	dep, err := harness.Start(ctx, d, topo, harness.StartOptions{})
	t.Cleanup(func() {
		if err := dep.Terminate(context.Background()); err != nil {
			t.Errorf("terminate: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", topo, err)
	}
	t.Logf("%s ready in %s", topo, dep.FormedIn.Round(time.Millisecond))
	return dep
}

// runFor runs a workload for d and returns its ledger.
func runFor(ctx context.Context, t *testing.T, dep *harness.Deployment, opts harness.ClientOptions, p Profile, d time.Duration) *Ledger {
	t.Helper()
	client := dep.Client(opts)
	defer client.Close()
	r, err := Start(ctx, client, p)
	if err != nil {
		t.Fatalf("start workload: %v", err)
	}
	time.Sleep(d)
	return r.Stop()
}

// waitFor polls cond every 50ms until it returns nil or ctx ends.
func waitFor(ctx context.Context, what string, cond func() error) error {
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", what, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kinds counts ops by outcome/kind, e.g. "fail/MISCONF".
func kinds(ops []Op) map[string]int {
	m := map[string]int{}
	for _, op := range ops {
		m[string(op.Outcome)+"/"+op.Kind]++
	}
	return m
}
