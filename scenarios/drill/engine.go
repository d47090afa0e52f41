package drill

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// EngineOption configures StartEngine.
type EngineOption func(*recovery.Options)

// WithProbeDetection makes the engine see only what a sidecar next to Redis
// sees (replies, INFO, CLUSTER NODES, timeouts): no Docker events or
// container state in its decisions.
func WithProbeDetection() EngineOption {
	return func(o *recovery.Options) { o.Detect.NoDocker = true }
}

// WithStrategy forces a recovery strategy by name (see
// recovery.StrategyNames); the default lets the engine choose the one that
// loses least.
func WithStrategy(name string) EngineOption {
	return func(o *recovery.Options) { o.Strategy = name }
}

// WithWarmSpare keeps a started, empty node ready so a lost shard is rebuilt
// without a container start.
func WithWarmSpare() EngineOption {
	return func(o *recovery.Options) { o.WarmSpare = true }
}

// WithCatalogDir keeps the engine's verified backups in dir (default: a
// temporary folder removed by Close).
func WithCatalogDir(dir string) EngineOption {
	return func(o *recovery.Options) { o.CatalogDir = dir }
}

// Engine is redisdrill's recovery engine armed on one deployment.
type Engine struct {
	d       *Deployment
	eng     *recovery.Engine
	tempDir string
	inj     *fault.Injection
	// watch is the recovery Inject started before its fault; Recover
	// collects it.
	watch *recovery.Watch
}

// StartEngine starts the engine's detector, takes its baseline and one
// verified backup of every shard, and returns it armed for the next fault.
func (d *Deployment) StartEngine(ctx context.Context, opts ...EngineOption) (*Engine, error) {
	o := recovery.Options{Logger: d.logger}
	for _, opt := range opts {
		opt(&o)
	}
	e := &Engine{d: d}
	if o.CatalogDir == "" {
		dir, err := os.MkdirTemp("", "redisdrill-catalog-")
		if err != nil {
			return nil, fmt.Errorf("start engine: %w", err)
		}
		o.CatalogDir, e.tempDir = dir, dir
	}
	eng, err := recovery.New(ctx, d.dep.Engine(), o)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	e.eng = eng
	if err := eng.Prepare(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return e, nil
}

// Close stops a recovery still running, the detector, and removes a
// temporary catalog. Safe on nil.
func (e *Engine) Close() {
	if e == nil {
		return
	}
	e.watch.Stop()
	e.watch = nil
	if e.eng != nil {
		e.eng.Close()
	}
	if e.tempDir != "" {
		_ = os.RemoveAll(e.tempDir)
	}
}

// Inject applies the named fault (see fault.Names: kill, stop, pause,
// partition-node, rdb-bitflip, wipe-data-keep-identity, …) to target, a
// role-aware target: "primary", "replica", "all", "shard-primary:K",
// "shard:K" or "node:NAME". It returns once the fault is in effect; its
// onset (t0 of the RTO) is the instant of its first destructive action.
//
// The engine is armed before the fault: it detects, fences and recovers
// while the fault is still being applied (a stop + corrupt + restart fault
// takes 0.5–2 s to return), as an agent in production would, and goes on
// after Inject returns; Recover collects the result. ctx bounds the
// injection only: the recovery runs until it is over, Recover's ctx ends
// or Close.
func (e *Engine) Inject(ctx context.Context, name, target string) error {
	if e.inj != nil && !e.inj.Healed() {
		return errors.New("inject fault: the previous fault was not recovered yet")
	}
	t, err := fault.ParseTarget(target)
	if err != nil {
		return fmt.Errorf("inject %s: %w", name, err)
	}
	f, err := fault.New(name, fault.Params{Target: t})
	if err != nil {
		return fmt.Errorf("inject %s: %w", name, err)
	}
	if err := e.eng.Refresh(ctx); err != nil {
		return fmt.Errorf("inject %s: %w", name, err)
	}
	e.watch.Stop() // a watch no Recover collected (its fault failed to apply)
	e.watch = e.eng.Watch(context.WithoutCancel(ctx))
	inj, err := fault.Apply(ctx, e.d.dep.Engine(), f)
	e.inj = inj
	if err != nil {
		e.watch.Stop()
		e.watch = nil
		return fmt.Errorf("inject %s: %w", name, err)
	}
	e.watch.SetOnset(inj.Start)
	return nil
}

// Recover waits for the recovery Inject started — the engine detected the
// fault, fenced the old owner, recovered and verified, possibly before
// Inject returned — then heals the fault (a node the engine fenced is
// readmitted as a replica) and waits until the deployment serves again.
// When ctx ends first, the recovery is cut off. The Result carries the
// engine's view; Result.Measure adds what your own client saw.
func (e *Engine) Recover(ctx context.Context) (*Result, error) {
	if e.inj == nil {
		return nil, errors.New("recover: no fault injected")
	}
	t0 := e.inj.Start
	// A second Recover for the same fault has no watch: the engine looks
	// once more.
	w := e.watch
	e.watch = nil
	rep, recErr := e.eng.Collect(ctx, w, t0)
	res := &Result{T0: t0, DetectMode: string(detect.ModeAuto)}
	if e.eng.DetectMode() == detect.ModeProbe {
		res.DetectMode = string(detect.ModeProbe)
	}
	if rep != nil {
		res.Report = rep
		res.Strategy, res.Incident, res.Verified = rep.Strategy, rep.Incident, rep.Verified
		if !rep.DetectedAt.IsZero() {
			res.Detect = rep.DetectedAt.Sub(t0)
		}
		if n := len(rep.Spans); n > 0 && recErr == nil {
			res.EngineDone = rep.Spans[n-1].End.Sub(t0)
		}
	}
	healErr := e.inj.Heal(ctx)
	readmitErr := e.eng.Readmit(ctx)
	res.Fences = e.eng.Fences()
	readyErr := e.d.dep.WaitReadyWithin(ctx, time.Minute)
	if err := errors.Join(recErr, healErr, readmitErr, readyErr); err != nil {
		return res, fmt.Errorf("recover: %w", err)
	}
	return res, nil
}
