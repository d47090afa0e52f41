package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/process"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/recovery/verify"
	"github.com/redisdrill/redisdrill/reports"
)

// cleanupTimeout bounds the work done after an interrupt (heal, evidence,
// teardown are each bounded by it).
const cleanupTimeout = 30 * time.Second

// Outcome is a finished (or interrupted) run: its report and its evidence.
type Outcome struct {
	Result   reports.ScenarioResult
	Evidence Evidence
	// Deployment is the kept deployment (nil unless Env.Keep and the run
	// completed).
	Deployment *harness.Deployment
	Recoveries []*recovery.Report
	Verifies   []verify.Result
	Backups    []backup.Manifest
}

// Run carries out a plan end to end, writes its evidence to
// Env.EvidenceDir(plan.Name) and judges it with Judge. A plan that cannot
// run (Validate) is an error before anything starts. Otherwise an Outcome
// always comes back — with status error when the drill itself could not be
// carried out, interrupted when ctx was cancelled — together with that error.
func Run(ctx context.Context, env Env, p Plan) (*Outcome, error) {
	if env.DetectMode != "" {
		if _, err := detect.ParseMode(string(env.DetectMode)); err != nil {
			return nil, fmt.Errorf("run plan %s: %w", p.Name, err)
		}
	}
	p = p.WithDetectMode(env.DetectMode).withDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("validate plan %s: %w", p.Name, err)
	}
	s := &session{
		plan: p, env: env, logger: env.logger().With("drill", p.Name), started: time.Now(),
		dir:        env.EvidenceDir(p.Name),
		injections: map[string]*fault.Injection{},
	}
	s.ev.Thresholds = Thresholds(p.Limits, env.Thresholds, p.Name, p.Labels, p.RTOTimeout)
	err := s.run(ctx)
	return s.finish(ctx, err), err
}

// session is the state of one run.
type session struct {
	plan    Plan
	env     Env
	logger  *slog.Logger
	started time.Time
	dir     string

	dep     Deployment
	eng     *recovery.Engine
	cat     *backup.Catalog
	arch    *archivers // streaming archivers (EngineSpec.Archive), nil without
	traffic *Traffic
	ledger  *workload.Ledger

	injections map[string]*fault.Injection
	order      []string // fault step ids in injection order
	heals      []<-chan struct{}

	// pending is the engine's watch armed before the fault step whose
	// next step is "recover engine": the engine acts on what it detects
	// while the fault step runs, and the recover step collects it.
	pending *recovery.Watch

	watch     *watcher
	readmitMu sync.Mutex
	readmit   []string // readmission failures of fenced nodes

	ev        Evidence
	artifacts reports.Artifacts
	out       Outcome
}

// start starts the plan's topology with the run's provider. A partial
// deployment comes back with the error, for cleanup.
func (s *session) start(ctx context.Context, topo harness.Topology) (Deployment, error) {
	if s.env.Provider == ProviderProcess {
		dep, err := process.Start(ctx, topo, process.StartOptions{Binary: s.env.Binary, Logger: s.logger})
		if dep == nil {
			return nil, err
		}
		return processDeployment{dep}, err
	}
	dep, err := harness.Start(ctx, s.env.Docker, topo, harness.StartOptions{Image: s.env.Image, Logger: s.logger, Pool: s.env.Pool})
	if dep == nil {
		return nil, err
	}
	return dockerDeployment{dep}, err
}

func (s *session) run(ctx context.Context) (err error) {
	p := s.plan
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("create evidence dir: %w", err)
	}
	s.dep, err = s.start(ctx, p.Topology)
	if err != nil {
		return fmt.Errorf("start deployment: %w", err)
	}
	if p.Setup != nil {
		if err := p.Setup(ctx, s.dep); err != nil {
			return fmt.Errorf("set up deployment: %w", err)
		}
	}
	if s.cat, err = backup.Open(filepath.Join(s.dir, DirBackups)); err != nil {
		return fmt.Errorf("open catalog: %w", err)
	}
	var archives map[int]string
	if p.Engine != nil && p.Engine.Archive {
		if s.arch, err = startArchivers(ctx, s.dep.Engine(), s.dir, s.logger); err != nil {
			return err
		}
		archives = s.arch.dirs
	}
	if p.Engine != nil {
		s.eng, err = recovery.New(ctx, s.dep.Engine(), recovery.Options{
			Archives: archives,
			Logger:   s.logger, CatalogDir: s.cat.Dir(), Strategy: p.Engine.Strategy,
			PointInTimeBefore: p.Engine.PointInTimeBefore, WarmSpare: p.Engine.WarmSpare,
			Detect:        detect.Options{NoDocker: p.Engine.DetectMode == detect.ModeProbe, DownAfter: p.Engine.DownAfter},
			DetectTimeout: p.Engine.DetectWithin,
		})
		if err != nil {
			return fmt.Errorf("start engine: %w", err)
		}
	}
	var fences func() []recovery.Fence
	if s.eng != nil {
		fences = s.eng.Fences
	}
	s.watch = startWatcher(ctx, s.dep.Engine(), fences)
	profile := p.Workload
	profile.Seed = s.env.Seed
	if s.traffic, err = StartTraffic(ctx, s.dep, profile); err != nil {
		return err
	}
	s.env.Live.start(p.Name, s.traffic)
	if err := s.warmUp(ctx); err != nil {
		return err
	}
	s.ev.PrimariesBefore = shardPrimaries(ctx, s.dep.Engine())
	for i, st := range p.Steps {
		rec := StepRecord{Index: i, ID: st.ID, Action: st.Action(), Start: time.Now()}
		rec.Detail, rec.Err = s.step(ctx, i)
		rec.End = time.Now()
		if ctx.Err() != nil {
			return fmt.Errorf("step %d %s: %w", i+1, rec.Action, ctx.Err())
		}
		if rec.Err != nil {
			rec.Error = rec.Err.Error()
		}
		s.ev.Steps = append(s.ev.Steps, rec)
		s.arch.refollow(ctx, s.dep.Engine())
		var ie *injectError
		if errors.As(rec.Err, &ie) {
			return rec.Err
		}
		s.logger.Info("step", "n", i+1, "action", rec.Action, "id", rec.ID, "detail", rec.Detail, "err", rec.Err)
		if s.env.Progress != nil {
			s.env.Progress(rec.String())
		}
	}
	s.healAll(ctx)
	if err := harness.Sleep(ctx, p.Settle); err != nil {
		return err
	}
	if s.ev.MeasuredUntil.IsZero() {
		s.ev.MeasuredUntil = s.settleMeasurement(ctx)
	}
	s.ledger = s.traffic.Stop()
	s.prepareNext()
	if err := s.dep.WaitReadyWithin(ctx, ServingTimeout); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.ev.NotReadyAfterHeal = err.Error()
		s.logger.Warn("deployment not ready after heal: no final read", "err", err)
		return nil
	}
	s.ev.PrimariesAfter = shardPrimaries(ctx, s.dep.Engine())
	if p.BeforeFinalRead != nil {
		if err := p.BeforeFinalRead(ctx, s.dep, s.ledger); err != nil {
			return fmt.Errorf("before final read: %w", err)
		}
	}
	check, err := s.ledger.FinalRead(ctx, s.traffic.Client)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.ev.FinalReadError = err.Error()
		return nil
	}
	s.ev.FinalRead, s.ev.FinalReadDone = check, true
	return s.checkHistory(ctx)
}

// settleMeasurement ends the first fault's RTO measurement after the heals
// and the settle: a shard that relapsed (a partition healing, a client
// still on the old primary) is given until t0 + RTOTimeout to take writes
// for ReadyStable again, so the reported t_ready covers the relapse instead
// of calling the run never ready or stopping at a premature first success.
func (s *session) settleMeasurement(ctx context.Context) time.Time {
	t0 := s.injections[s.order[0]].Start
	if ready, ok := s.traffic.Prober.ReadyAfter(t0); ok && time.Since(ready) >= ReadyStable {
		return time.Now()
	}
	deadline := t0.Add(s.plan.RTOTimeout)
	if deadline.After(time.Now()) {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		_, _ = s.traffic.Prober.WaitReady(wctx, t0, ReadyStable)
		cancel()
	}
	return time.Now()
}

// warmUp runs the workload before the first step; with the engine the
// backup point(s) are taken half-way, under traffic, as a real schedule
// would: the writes after the newest backup are what a restore can lose.
func (s *session) warmUp(ctx context.Context) error {
	spec := s.plan.Engine
	if err := harness.Sleep(ctx, s.plan.WarmUp/2); err != nil {
		return err
	}
	if s.eng != nil && spec.BackupPoints > 0 {
		for i := 0; i < spec.BackupPoints; i++ {
			start := time.Now()
			if err := s.eng.Prepare(ctx); err != nil {
				return fmt.Errorf("take backup point: %w", err)
			}
			s.logger.Info("backup point taken", "took", time.Since(start).Round(time.Millisecond))
		}
		if spec.CorruptNewestBackup {
			id, err := corruptNewestBackup(s.cat, spec.CorruptShard)
			if err != nil {
				return err
			}
			s.ev.CorruptedBackup = id
			s.logger.Info("corrupted the newest backup in the catalog", "backup", id)
		}
	}
	if err := harness.Sleep(ctx, s.plan.WarmUp-s.plan.WarmUp/2); err != nil {
		return err
	}
	if spec != nil && spec.CorruptArchiveSegment {
		seg, err := s.arch.corruptArchiveSegment(ctx, spec.CorruptShard, s.dir)
		if err != nil {
			return err
		}
		s.ev.CorruptedSegment = &seg
		s.logger.Info("corrupted an archive segment", "segment", seg.Path, "offset", seg.Offset)
	}
	if s.eng != nil {
		if err := s.eng.Refresh(ctx); err != nil {
			return fmt.Errorf("refresh engine: %w", err)
		}
	}
	return nil
}

// healAll waits for scheduled heals and heals every fault still active.
func (s *session) healAll(ctx context.Context) {
	for _, done := range s.heals {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	for _, id := range s.order {
		if inj := s.injections[id]; !inj.Healed() {
			if err := inj.Heal(ctx); err != nil {
				s.logger.Warn("heal failed", "fault", id, "err", err)
			}
		}
	}
	s.readmitFenced(ctx)
}

// readmitFenced has the engine bring back the nodes it fenced by killing
// them, once their faults healed (a fault's heal leaves a fenced node
// down); a node that comes back as a primary of slots it lost is a
// failure of the run.
func (s *session) readmitFenced(ctx context.Context) {
	if s.eng == nil {
		return
	}
	if err := s.eng.Readmit(ctx); err != nil {
		s.logger.Warn("readmit fenced node", "err", err)
		s.readmitMu.Lock()
		s.readmit = append(s.readmit, err.Error())
		s.readmitMu.Unlock()
	}
}

// prepareNext has the pool start the next run's deployment (Env.Next).
// It is called once the measurement is over (the clock stopped, the
// traffic stopped): what is left of this run, the final read, the evidence
// and the teardown, is not timed. Asking twice starts one deployment.
func (s *session) prepareNext() {
	if s.env.Pool != nil && s.env.Next != nil {
		s.env.Pool.Prepare(*s.env.Next)
	}
}

// finish heals, writes the evidence, judges the run and tears the
// deployment down (unless kept). It runs after success, failure and
// interrupt alike, bounded by cleanupTimeout once ctx is done.
func (s *session) finish(ctx context.Context, runErr error) *Outcome {
	cctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
	}
	// An interrupted run may leave the engine's watch armed; it holds the
	// engine (and Readmit, in healAll) until it is stopped.
	s.pending.Stop()
	s.pending = nil
	s.healAll(cctx)
	s.watch.stop()
	if s.traffic != nil {
		if s.ledger == nil {
			s.ledger = s.traffic.Stop()
		}
		s.ev.Ticks = s.traffic.Prober.Ticks()
		s.traffic.Close()
	}
	s.ev.Archives = s.arch.stop()
	if ctx.Err() == nil {
		s.prepareNext()
	}
	switch {
	case runErr == nil:
	case ctx.Err() != nil && errors.Is(runErr, ctx.Err()):
		s.ev.Interrupted = true
	default:
		s.ev.Error = runErr.Error()
	}
	s.collect()
	s.writeEvidence(cctx)
	res := s.result()
	res.Verdict = Judge(s.ev, s.plan.Expect)
	s.out.Result, s.out.Evidence = res, s.ev
	s.env.Live.finish(s.plan.Name, LiveResult{RTO: res.RTO.D(), AckedLost: res.Loss.Lost, Pass: res.Verdict.Status == reports.StatusPass})
	if s.eng != nil {
		s.eng.Close()
	}
	switch {
	case s.dep == nil:
	case s.env.Keep && runErr == nil && s.dep.Docker() != nil:
		s.out.Deployment = s.dep.Docker()
	default:
		if err := s.dep.Terminate(context.WithoutCancel(cctx)); err != nil {
			s.logger.Warn("cleanup failed", "err", err)
		}
	}
	return &s.out
}

// collect gathers the run's facts into the evidence: the clock, the fault
// records, the engine's reports and the backups it used.
func (s *session) collect() {
	ev := &s.ev
	ev.Plan, ev.Labels, ev.Started = s.plan.Name, s.plan.Labels, s.started
	for _, id := range s.order {
		ev.Faults = append(ev.Faults, s.injections[id].Record())
	}
	if len(ev.Faults) > 0 {
		ev.T0 = ev.Faults[0].Start.Round(0)
	}
	ev.Ledger = s.ledger
	if s.plan.Engine != nil {
		ev.PointInTimeBefore = s.plan.Engine.PointInTimeBefore
		ev.DetectMode = s.plan.Engine.DetectMode
	}
	ev.Recoveries = s.out.Recoveries
	if s.eng != nil {
		ev.Fences = s.eng.Fences()
	}
	ev.Watch = s.watch.result()
	ev.Readmit = s.readmit
	if s.cat != nil {
		ev.Catalog = catalogState(s.cat)
	}
	if ev.MeasuredUntil.IsZero() {
		ev.MeasuredUntil = time.Now()
	}
	ev.MeasuredUntil = ev.MeasuredUntil.Round(0)
	ev.derive()
}
