package scenarios

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/reports"
)

// ServingTimeout bounds the wait, after heal, for the deployment to be fully
// ready again before the final read.
const ServingTimeout = 45 * time.Second

// Env is what a run needs from its surroundings.
type Env struct {
	Docker *harness.Docker
	Image  string
	Logger *slog.Logger
	// OutDir receives the artifacts (ledger, events, probe ticks, node logs).
	OutDir string
	// Keep leaves the deployment running after the run (the caller prints
	// how to reach it and prunes it later).
	Keep bool
	// Seed seeds the workload values (reported for reproduction).
	Seed int64
}

// Outcome is a finished run: the report form plus the raw pieces specs
// assert on.
type Outcome struct {
	Result     reports.ScenarioResult
	Deployment *harness.Deployment // nil unless Env.Keep
	Injection  fault.Record
	Check      workload.Check
	Recovery   *recovery.Report // nil for native recovery
	// CorruptedBackup is the backup the run corrupted on purpose, if any.
	CorruptedBackup string
	// Observations are facts the run saw about Redis's own reaction, e.g.
	// "refused-start" for a node that exited on its own files.
	Observations []string
}

// Run carries out one scenario end to end and measures it. It returns an
// error only when the drill itself could not be carried out; a scenario
// that recovered badly is a result, not an error.
func Run(ctx context.Context, env Env, sc Scenario) (*Outcome, error) {
	sc = sc.withDefaults()
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("scenario", sc.Name)
	r := &run{sc: sc, env: env, logger: logger, started: time.Now()}
	return WithDeployment(ctx, env, sc.Topology, logger, func(dep *harness.Deployment) (*Outcome, error) {
		r.dep = dep
		return r.execute(ctx)
	}, func(out *Outcome, dep *harness.Deployment) { out.Deployment = dep })
}

// WithDeployment starts topo, runs body on it and terminates it afterwards
// — also on error, timeout and Ctrl-C (ctx cancelled) — unless env.Keep
// and body succeeded, in which case keep hands the deployment to the result.
func WithDeployment[T any](ctx context.Context, env Env, topo harness.Topology, logger *slog.Logger,
	body func(*harness.Deployment) (T, error), keep func(T, *harness.Deployment)) (T, error) {
	var zero T
	dep, err := harness.Start(ctx, env.Docker, topo, harness.StartOptions{Image: env.Image, Logger: logger})
	kept := false
	defer func() {
		if kept {
			return
		}
		if terr := dep.Terminate(context.WithoutCancel(ctx)); terr != nil {
			logger.Warn("cleanup failed", "err", terr)
		}
	}()
	if err != nil {
		return zero, fmt.Errorf("start deployment: %w", err)
	}
	out, err := body(dep)
	if err != nil {
		return zero, err
	}
	if env.Keep {
		kept = true
		keep(out, dep)
	}
	return out, nil
}

// run is the state of one scenario run.
type run struct {
	sc      Scenario
	env     Env
	logger  *slog.Logger
	dep     *harness.Deployment
	started time.Time
	// corrupted is the backup the run corrupted on purpose, if any.
	corrupted string
}

func (r *run) artifactDir() string {
	base := r.env.OutDir
	if base == "" {
		base = filepath.Join(os.TempDir(), "redisdrill")
	}
	return filepath.Join(base, "artifacts", r.sc.Name)
}

func (r *run) execute(ctx context.Context) (*Outcome, error) {
	sc, dep := r.sc, r.dep
	var eng *recovery.Engine
	if sc.Recovery == Engine {
		var err error
		eng, err = recovery.New(ctx, dep, recovery.Options{
			Logger: r.logger, CatalogDir: filepath.Join(r.artifactDir(), "backups"), Strategy: sc.Strategy,
			PointInTimeBefore: sc.PointInTimeBefore, WarmSpare: sc.WarmSpare,
		})
		if err != nil {
			return nil, err
		}
		defer eng.Close()
	}
	profile := sc.Workload
	profile.Seed = r.env.Seed
	traffic, err := StartTraffic(ctx, dep, profile)
	if err != nil {
		return nil, err
	}
	defer traffic.Close()
	prober, client := traffic.Prober, traffic.Client
	if err := r.warmUp(ctx, eng); err != nil {
		return nil, err
	}
	f, err := fault.New(sc.Fault, sc.FaultParams)
	if err != nil {
		return nil, err
	}
	inj, err := fault.Apply(ctx, dep, f)
	defer func() {
		if inj != nil {
			_ = inj.Heal(context.WithoutCancel(ctx))
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", sc.Fault, err)
	}
	// Wall-clock times only (Round(0) drops the monotonic reading), so every
	// figure comes out the same when re-derived from the saved JSON.
	t0 := inj.Start.Round(0)
	r.logger.Info("fault injected", "fault", sc.Fault, "t0", t0.Format(time.TimeOnly))
	out := &Outcome{}
	healTimer := r.scheduleHeal(ctx, inj)
	var recErr error
	if eng != nil {
		out.Recovery, recErr = eng.Recover(ctx, t0)
		if recErr != nil {
			r.logger.Warn("recovery failed", "err", recErr)
		}
	}
	waitCtx, cancel := context.WithTimeout(ctx, sc.RTOTimeout)
	tReady, readyErr := prober.WaitReady(waitCtx, t0, time.Second)
	tReady = tReady.Round(0)
	cancel()
	measuredUntil := time.Now()
	if healTimer != nil {
		<-healTimer
	}
	if err := inj.Heal(ctx); err != nil {
		r.logger.Warn("heal failed", "err", err)
	}
	if err := harness.Sleep(ctx, sc.Settle); err != nil {
		return nil, err
	}
	ledger := traffic.Stop()
	if err := dep.WaitReadyWithin(ctx, ServingTimeout); err != nil {
		r.logger.Warn("deployment not fully ready after heal", "err", err)
	}
	check, err := ledger.FinalRead(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("final read: %w", err)
	}
	out.Injection = inj.Record()
	out.Check = check
	out.Observations = observations(out.Injection, out.Recovery)
	out.CorruptedBackup = r.corrupted
	res := r.result(t0, tReady, readyErr == nil, ledger, check, out)
	if recErr != nil {
		res.Error = recErr.Error()
	}
	res.Artifacts = r.saveArtifacts(ctx, ledger, prober.Ticks(), eng)
	r.saveMeasurement(Measurement{T0: t0, TReady: tReady, Ready: readyErr == nil, MeasuredUntil: measuredUntil, Check: check})
	out.Result = res
	return out, nil
}

// warmUp runs the workload before the fault. With the engine, the backup
// point(s) are taken half-way, under traffic, as a real schedule would: the
// writes after the newest backup are what a restore can lose.
func (r *run) warmUp(ctx context.Context, eng *recovery.Engine) error {
	if eng == nil {
		return harness.Sleep(ctx, r.sc.WarmUp)
	}
	if err := harness.Sleep(ctx, r.sc.WarmUp/2); err != nil {
		return err
	}
	points := 1
	if r.sc.CorruptNewestBackup {
		points = 2
	}
	for i := 0; i < points; i++ {
		start := time.Now()
		if err := eng.Prepare(ctx); err != nil {
			return err
		}
		r.logger.Info("backup point taken", "took", time.Since(start).Round(time.Millisecond))
	}
	if r.sc.CorruptNewestBackup {
		bad, err := eng.CorruptNewestBackup(r.sc.FaultParams.Target.Shard)
		if err != nil {
			return err
		}
		r.corrupted = bad
		r.logger.Info("corrupted the newest backup in the catalog", "backup", bad)
	}
	if err := harness.Sleep(ctx, r.sc.WarmUp/2); err != nil {
		return err
	}
	return eng.Refresh(ctx)
}

// scheduleHeal heals the fault at t0+HealAt when the scenario asks for it.
func (r *run) scheduleHeal(ctx context.Context, inj *fault.Injection) <-chan struct{} {
	if r.sc.HealAt <= 0 {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = harness.Sleep(ctx, time.Until(inj.Start.Add(r.sc.HealAt)))
		if err := inj.Heal(ctx); err != nil {
			r.logger.Warn("scheduled heal failed", "err", err)
		}
	}()
	return done
}
