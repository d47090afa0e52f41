package recovery

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// A fault's heal can race the engine's fence of the same node: explore
// found a partition healed at 2 s while the engine's kill fence landed a
// few ms later, and Readmit, asked at the heal, returned at once (no fence
// recorded yet), leaving the node down until some later heal. Readmit must
// wait for the recovery in progress and readmit what it fenced.
func TestReadmitWaitsForTheFenceInProgress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep := testenv.StartDeployment(ctx, t, rediskit.DefaultCluster())
	eng, err := New(ctx, dep.Engine(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CatalogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("create engine: %v", err)
	}
	defer eng.Close()
	if err := eng.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil || len(shards) == 0 || shards[0].Primary == nil {
		t.Fatalf("read shards: %v (%d shards)", err, len(shards))
	}
	victim := shards[0].Primary

	// Silence: the engine waits its detect window, then kills the frozen
	// node (the fence) and promotes its replica.
	if err := victim.Pause(ctx); err != nil {
		t.Fatalf("pause: %v", err)
	}
	t0 := time.Now()
	recovered := make(chan error, 1)
	go func() {
		_, err := eng.Recover(ctx, t0)
		recovered <- err
	}()
	// The heal arrives while the recovery still waits for its detect
	// window, before any fence is recorded.
	time.Sleep(300 * time.Millisecond)
	if n := len(eng.Fences()); n != 0 {
		t.Fatalf("a fence was recorded %s after the fault, before the detect window: %+v", time.Since(t0), eng.Fences())
	}
	readmitted := make(chan error, 1)
	go func() { readmitted <- eng.Readmit(ctx) }()

	var readmitErr error
	select {
	case readmitErr = <-readmitted:
		if len(eng.Fences()) == 0 {
			t.Fatal("Readmit returned before the recovery in progress had fenced anything")
		}
	case err := <-recovered:
		if err != nil {
			t.Fatalf("recover: %v", err)
		}
		readmitErr = <-readmitted
	}
	if readmitErr != nil {
		t.Fatalf("readmit: %v", readmitErr)
	}
	fences := eng.Fences()
	if len(fences) != 1 || fences[0].Node != victim.Name() || fences[0].Method != FenceServiceStop {
		t.Fatalf("fences = %+v, want one server fence of %s (its machine kept up)", fences, victim.Name())
	}
	if !strings.HasPrefix(fences[0].Outcome, "replica of") || fences[0].Returned.IsZero() {
		t.Fatalf("fence outcome = %q (returned %v), want the node back as a replica", fences[0].Outcome, fences[0].Returned)
	}
	if running, _, err := victim.State(ctx); err != nil || !running {
		t.Fatalf("victim running = %v (%v) after Readmit", running, err)
	}
}
