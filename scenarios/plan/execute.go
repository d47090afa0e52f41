package plan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/verify"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// Env is what a plan run needs from its surroundings.
type Env struct {
	scenarios.Env
	// Progress, when set, receives one line per step as it finishes.
	Progress func(line string)
}

// Outcome is a finished plan run.
type Outcome struct {
	Result     reports.ScenarioResult
	Deployment *harness.Deployment // nil unless Env.Keep
	Steps      []StepRecord
	Injections []fault.Record
	Recoveries []*recovery.Report
	Verifies   []verify.Result
	Backups    []backup.Manifest
	Check      workload.Check
}

// StepRecord is what one step did and when.
type StepRecord struct {
	Index  int
	ID     string
	Action string
	Start  time.Time
	End    time.Time
	Err    error
	Detail string
}

// String renders a step record on one line.
func (s StepRecord) String() string {
	st := "ok"
	if s.Err != nil {
		st = "FAILED: " + s.Err.Error()
	}
	d := ""
	if s.Detail != "" {
		d = " (" + s.Detail + ")"
	}
	return fmt.Sprintf("step %d %s [%s] %s in %v%s", s.Index+1, s.Action, s.ID, st, s.End.Sub(s.Start).Round(time.Millisecond), d)
}

// Run starts the plan's deployment, runs its workload, carries out its steps
// in order and measures the run like a scenario: RTO from the first fault
// to the first recover step's readiness, acked-write loss at the final read.
// It returns an error only when the run itself could not be carried out; a
// failed step or a bad recovery is a result.
func Run(ctx context.Context, env Env, p Plan) (*Outcome, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("run plan: %w", err)
	}
	topo, _ := p.harnessTopology()
	logger := env.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("plan", p.Name)
	x := &executor{plan: p, env: env, logger: logger, started: time.Now(), injections: map[string]*fault.Injection{}}
	return scenarios.WithDeployment(ctx, env.Env, topo, logger, func(dep *harness.Deployment) (*Outcome, error) {
		x.dep = dep
		return x.execute(ctx)
	}, func(out *Outcome, dep *harness.Deployment) { out.Deployment = dep })
}

// executor is the state of one plan run.
type executor struct {
	plan       Plan
	env        Env
	logger     *slog.Logger
	dep        *harness.Deployment
	started    time.Time
	eng        *recovery.Engine
	cat        *backup.Catalog
	prober     *workload.Prober
	injections map[string]*fault.Injection
	order      []string // fault ids in injection order
	t0         time.Time
	tReady     time.Time
	ready      bool
	out        Outcome
}

func (x *executor) artifactDir() string {
	base := x.env.OutDir
	if base == "" {
		base = filepath.Join(os.TempDir(), "redisdrill")
	}
	return filepath.Join(base, "artifacts", x.plan.Name)
}

func (x *executor) usesEngine() bool {
	for _, s := range x.plan.Steps {
		if s.Recover == "engine" {
			return true
		}
	}
	return false
}

func (x *executor) execute(ctx context.Context) (*Outcome, error) {
	p, dep := x.plan, x.dep
	catDir := filepath.Join(x.artifactDir(), "backups")
	if x.usesEngine() {
		eng, err := recovery.New(ctx, dep, recovery.Options{Logger: x.logger, CatalogDir: catDir})
		if err != nil {
			return nil, fmt.Errorf("start engine: %w", err)
		}
		defer eng.Close()
		if err := eng.Prepare(ctx); err != nil {
			return nil, fmt.Errorf("prepare engine: %w", err)
		}
		x.eng = eng
	}
	cat, err := backup.Open(catDir)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	x.cat = cat
	profile := p.profile()
	profile.Seed = x.env.Seed
	traffic, err := scenarios.StartTraffic(ctx, dep, profile)
	if err != nil {
		return nil, err
	}
	defer traffic.Close()
	prober, client := traffic.Prober, traffic.Client
	x.prober = prober
	defer x.healAll(context.WithoutCancel(ctx))
	if err := harness.Sleep(ctx, dur(p.WarmUp, DefaultWarmUp)); err != nil {
		return nil, err
	}
	for i, s := range p.Steps {
		rec := StepRecord{Index: i, ID: s.ID, Action: s.Action(), Start: time.Now()}
		rec.Detail, rec.Err = x.step(ctx, s)
		rec.End = time.Now()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		x.out.Steps = append(x.out.Steps, rec)
		x.logger.Info("plan step", "step", i+1, "action", rec.Action, "id", rec.ID, "err", rec.Err)
		if x.env.Progress != nil {
			x.env.Progress(rec.String())
		}
	}
	x.healAll(ctx)
	if err := harness.Sleep(ctx, dur(p.Settle, DefaultSettle)); err != nil {
		return nil, err
	}
	ledger := traffic.Stop()
	if err := x.dep.WaitReadyWithin(ctx, scenarios.ServingTimeout); err != nil {
		x.logger.Warn("deployment not fully ready at the end", "err", err)
	}
	check, err := ledger.FinalRead(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("final read: %w", err)
	}
	x.out.Check = check
	for _, id := range x.order {
		x.out.Injections = append(x.out.Injections, x.injections[id].Record())
	}
	res := x.result(ledger, check)
	res.Artifacts = x.saveArtifacts(ctx, ledger, prober.Ticks())
	x.out.Result = res
	return &x.out, nil
}

// step carries out one step and returns a short detail.
func (x *executor) step(ctx context.Context, s Step) (string, error) {
	switch s.Action() {
	case "fault":
		return x.inject(ctx, s)
	case "wait":
		return "", harness.Sleep(ctx, time.Duration(*s.Wait))
	case "recover":
		return x.recover(ctx, s.Recover)
	case "heal":
		return x.heal(ctx, s.Heal)
	case "backup":
		m, err := backup.ClusterBackup(ctx, x.dep, x.cat)
		if err != nil {
			return "", err
		}
		rep, err := x.cat.Verify(m.ID)
		if err != nil {
			return "", fmt.Errorf("verify backup %s: %w", m.ID, err)
		}
		if !rep.OK {
			return "", fmt.Errorf("backup %s does not verify: %s", m.ID, strings.Join(rep.Problems, "; "))
		}
		x.out.Backups = append(x.out.Backups, m)
		return fmt.Sprintf("%s, %d keys", m.ID, m.Keys), nil
	case "verify":
		return x.verify(ctx, *s.Verify)
	}
	return "", fmt.Errorf("step %s: no action", s.ID)
}

func (x *executor) inject(ctx context.Context, s Step) (string, error) {
	f, err := fault.New(s.Fault.Name, s.Fault.params())
	if err != nil {
		return "", err
	}
	if x.eng != nil && x.t0.IsZero() {
		if err := x.eng.Refresh(ctx); err != nil {
			return "", fmt.Errorf("refresh engine: %w", err)
		}
	}
	inj, err := fault.Apply(ctx, x.dep, f)
	if inj != nil {
		x.injections[s.ID] = inj
		x.order = append(x.order, s.ID)
	}
	if err != nil {
		return "", fmt.Errorf("inject %s: %w", s.Fault.Name, err)
	}
	if x.t0.IsZero() {
		x.t0 = inj.Start
	}
	return strings.Join(inj.Record().Targets, ","), nil
}

// lastFault is the start of the newest injection (t0 for the next wait).
func (x *executor) lastFault() time.Time {
	if len(x.order) == 0 {
		return x.t0
	}
	return x.injections[x.order[len(x.order)-1]].Start
}

func (x *executor) recover(ctx context.Context, how string) (string, error) {
	since := x.lastFault()
	var detail string
	var recErr error
	if how == "engine" {
		rep, err := x.eng.Recover(ctx, since)
		if rep != nil {
			x.out.Recoveries = append(x.out.Recoveries, rep)
			detail = "strategy " + rep.Strategy
		}
		recErr = err
	}
	wctx, cancel := context.WithTimeout(ctx, dur(x.plan.RTOTimeout, DefaultRTOTimeout))
	tReady, err := x.prober.WaitReady(wctx, since, time.Second)
	cancel()
	if err == nil && !x.ready && since.Equal(x.t0) {
		x.ready, x.tReady = true, tReady
	}
	if err != nil {
		return detail, errors.Join(recErr, fmt.Errorf("wait ready: %w", err))
	}
	if detail != "" {
		detail += ", "
	}
	return detail + "ready after " + tReady.Sub(since).Round(time.Millisecond).String(), recErr
}

func (x *executor) heal(ctx context.Context, id string) (string, error) {
	ids := []string{id}
	if id == "all" {
		ids = x.order
	}
	var errs []error
	for _, i := range ids {
		inj, ok := x.injections[i]
		if !ok {
			errs = append(errs, fmt.Errorf("heal %s: fault was not injected", i))
			continue
		}
		if err := inj.Heal(ctx); err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", i, err))
		}
	}
	return "", errors.Join(errs...)
}

// healAll heals every fault still active (idempotent).
func (x *executor) healAll(ctx context.Context) {
	for _, id := range x.order {
		if inj := x.injections[id]; !inj.Healed() {
			if err := inj.Heal(ctx); err != nil {
				x.logger.Warn("heal failed", "fault", id, "err", err)
			}
		}
	}
}

func (x *executor) verify(ctx context.Context, v VerifyStep) (string, error) {
	opts := verify.Options{}
	if v.ExpectReplicas != nil {
		opts.ExpectReplicas = *v.ExpectReplicas
		if opts.ExpectReplicas == 0 {
			opts.ExpectReplicas = -1
		}
	}
	deadline := time.Now().Add(dur(v.Within, DefaultVerifyWithin))
	for {
		res := verify.Check(ctx, x.dep, nil, opts)
		if res.OK() || !time.Now().Before(deadline) || ctx.Err() != nil {
			x.out.Verifies = append(x.out.Verifies, res)
			if !res.OK() {
				return "", errors.New(strings.ReplaceAll(res.String(), "\n", ";"))
			}
			return fmt.Sprintf("%d checks passed", len(res.Checks)), nil
		}
		if err := harness.Sleep(ctx, 500*time.Millisecond); err != nil {
			return "", err
		}
	}
}
