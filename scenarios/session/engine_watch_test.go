package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// slowFault is a fault step that does not return before the engine's
// recovery is over: Inject applies the real fault, then waits for the
// watch armed before it. A session that started the engine only once the
// fault step returned would never see it done, and the step would fail.
type slowFault struct {
	fault.Fault
	watch *recovery.Watch
	limit time.Duration
}

func (f *slowFault) Inject(ctx context.Context, dep deploy.Deployment, onset *fault.Onset) error {
	if err := f.Fault.Inject(ctx, dep, onset); err != nil {
		return err
	}
	if f.watch == nil {
		return errors.New("inject slow fault: no engine armed before the fault")
	}
	select {
	case <-f.watch.Done():
		return nil
	case <-time.After(f.limit):
		return fmt.Errorf("inject slow fault: the engine did not recover within %s while the fault step ran", f.limit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestEngineActsWhileFaultStepRuns kills shard 0's primary with a fault
// step that only returns once the engine has recovered: the engine must be
// armed before the fault and act on what it detects, never wait for the
// step to return.
func TestEngineActsWhileFaultStepRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := testenv.RequireDocker(t)
	var applied time.Time
	env := Env{
		Docker: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OutDir: t.TempDir(), Seed: 1,
		applyFault: func(ctx context.Context, dep deploy.Deployment, f fault.Fault, w *recovery.Watch) (*fault.Injection, error) {
			inj, err := fault.Apply(ctx, dep, &slowFault{Fault: f, watch: w, limit: 20 * time.Second})
			if inj != nil {
				applied = inj.Applied
			}
			return inj, err
		},
	}
	topo := rediskit.DefaultCluster()
	p := Plan{
		Name: "engine-watch", Topology: topo,
		Workload: workload.Profile{Clients: 2, Rate: 200, ValueSize: 16},
		WarmUp:   time.Second, Settle: 200 * time.Millisecond, RTOTimeout: 30 * time.Second,
		Engine: &EngineSpec{BackupPoints: -1},
		Steps: []Step{
			{ID: "fault", Fault: &FaultStep{Name: "kill", Params: fault.Params{Target: fault.Target{Role: fault.RoleShardPrimary, Shard: 0}}}},
			{ID: "recover", Recover: RecoverEngine},
		},
	}
	out, err := Run(ctx, env, p)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(out.Recoveries) != 1 {
		t.Fatalf("recoveries: %d, want 1", len(out.Recoveries))
	}
	rep := out.Recoveries[0]
	if !rep.Verified || len(rep.Spans) == 0 {
		t.Fatalf("recovery not verified: %+v", rep)
	}
	onset := out.Evidence.Faults[0].Start
	last := rep.Spans[len(rep.Spans)-1]
	if !last.End.Before(applied) {
		t.Fatalf("the engine's last span %s ended at +%s, after the fault step returned (+%s)",
			last.Name, last.End.Sub(onset), applied.Sub(onset))
	}
	if det := rep.Spans[0]; det.Name != "detect" || !det.Start.Equal(onset) || det.End.Before(onset) || !rep.DetectedAt.Equal(det.End) {
		t.Fatalf("detect span %+v (detected at %s) not dated from the onset %s", det, rep.DetectedAt, onset)
	}
	if d := out.Evidence.Steps[0].Detail; !strings.Contains(d, "engine detected it") {
		t.Fatalf("fault step detail %q does not say the engine detected it before it returned", d)
	}
	t.Logf("onset → detected %s, engine done +%s, fault step returned +%s (%s)",
		rep.DetectedAt.Sub(onset).Round(time.Millisecond), last.End.Sub(onset).Round(time.Millisecond),
		applied.Sub(onset).Round(time.Millisecond), out.Evidence.Steps[0].Detail)
}
