// Package recovery is redisdrill's recovery engine: it detects a failure,
// plans the way back that loses least, executes it as named spans and
// verifies the result. It knows Redis and Docker, nothing about Ginkgo.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/recovery/verify"
)

// Options tune an Engine.
type Options struct {
	Logger *slog.Logger
	// CatalogDir is the backup catalog's folder.
	CatalogDir string
	// Strategy forces a strategy by name; empty lets the engine choose.
	Strategy string
	// DetectTimeout bounds the wait for a failure to show, counted from
	// the fault's onset (default 30s).
	DetectTimeout time.Duration
	// Detect tunes the detector. Detect.NoDocker selects probe mode
	// (detect.ModeProbe): no Docker events, and no Docker container state
	// in any decision — liveness, "known dead" and the outcome of a node
	// without replicas come from the probes (see probeview.go).
	Detect detect.Options
	// WarmSpare keeps a started, empty node ready (cluster only): a lost
	// shard is then rebuilt on it without a container start or Redis's 2 s
	// writable delay after start. Where the shards have replicas a second
	// one waits to become the rebuilt shard's new replica, so a recovery
	// starts no machine after the shard serves again (see spare.go).
	WarmSpare bool
	// PointInTimeBefore is how far before the fault the point-in-time
	// strategy rolls a node back (used only with Strategy "point-in-time").
	PointInTimeBefore time.Duration
	// Archives maps a shard index to the folder of a streaming archive
	// that follows its primary (package backup/archive). A restore of
	// that shard (in place or onto a fresh node) loads a point
	// materialized from it instead of the newest snapshot.
	Archives map[int]string
}

// Engine recovers one deployment.
type Engine struct {
	dep        deploy.Deployment
	opts       Options
	logger     *slog.Logger
	det        *detect.Detector
	strategies []Strategy

	mu       sync.Mutex
	shards   []deploy.Shard  // pre-fault view
	armedAt  time.Time       // last Refresh: failures after it are ours
	faultAt  time.Time       // detection time of the recovery in progress (see faultTime)
	watch    *Watch          // the recovery in progress, nil between recoveries
	used     backup.Manifest // backup the recovery in progress restored
	salvaged []Salvage       // repairs the recovery in progress made
	spares   []deploy.Node   // warm spares, not part of the topology (spare.go)
	verified map[string]bool // backups verified during the recovery in progress
	baseline verify.Baseline
	failed   []deploy.Node
	catalog  *backup.Catalog
	fences   []Fence // every old owner fenced, in order (see fence.go)
	// clusterIDs maps node names to their cluster node ids as the last
	// Refresh saw them: a dead node's id is known even after its address
	// was given to a new container.
	clusterIDs map[string]string
	// runIDs maps each shard primary's name to its redis-server run_id as
	// the last Refresh saw it: a keyspace drop on a server with another
	// run_id is a restart that lost the files, not a flush.
	runIDs map[string]string

	// recovering is held while a Watch runs (from its goroutine's start
	// until its recovery ends) and by Readmit: a fenced node is never
	// readmitted in the middle of a recovery.
	recovering sync.Mutex
}

// Report is what one recovery (Recover or Watch) did.
type Report struct {
	Incident   string              `json:"incident"`
	Detail     string              `json:"detail,omitempty"`
	Node       string              `json:"node,omitempty"`
	Shard      int                 `json:"shard"`
	DetectedAt time.Time           `json:"detected_at"`
	Event      string              `json:"event,omitempty"`
	Strategy   string              `json:"strategy"`
	Estimates  map[string]Estimate `json:"estimates"`
	Spans      []Span              `json:"spans"`
	Verified   bool                `json:"verified"`
	Verify     string              `json:"verify,omitempty"`
	// BackupID and BackupTime name the backup a restore used (its time is
	// when the backup started: acked writes before it are in it).
	BackupID   string    `json:"backup_id,omitempty"`
	BackupTime time.Time `json:"backup_time,omitzero"`
	// Observations are facts about Redis's own reaction seen on the way,
	// e.g. "refused-start: <log line>" or "started-empty".
	Observations []string `json:"observations,omitempty"`
	// Fences says how each old owner of the shard was fenced before its
	// slots or role went to another node.
	Fences []Fence `json:"fences,omitempty"`
	// Salvage says what each repair that kept damaged files' data did.
	Salvage []Salvage `json:"salvage,omitempty"`
}

// New creates an engine for dep and starts its detector.
func New(ctx context.Context, dep deploy.Deployment, opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DetectTimeout == 0 {
		opts.DetectTimeout = 30 * time.Second
	}
	e := &Engine{dep: dep, opts: opts, logger: opts.Logger.With("component", "engine")}
	e.strategies = DefaultStrategies()
	if opts.Strategy != "" {
		if _, ok := e.strategy(opts.Strategy); !ok {
			return nil, fmt.Errorf("create engine: unknown strategy %q (known: %v)", opts.Strategy, StrategyNames())
		}
	}
	if opts.Detect.Logger == nil {
		opts.Detect.Logger = e.logger
	}
	det, err := detect.Start(ctx, dep, opts.Detect)
	if err != nil {
		return nil, fmt.Errorf("start detector: %w", err)
	}
	e.det = det
	// A spare is only warm once it has been up a while (Redis Cluster keeps
	// a primary from serving for 2 s after start), so start it now.
	if err := e.ensureSpares(ctx); err != nil {
		det.Stop()
		return nil, err
	}
	return e, nil
}

// Close stops the detector.
func (e *Engine) Close() { e.det.Stop() }

// Events returns everything the detector saw.
func (e *Engine) Events() []detect.Event { return e.det.All() }

// WriteEvents saves the detector's events as JSON lines.
func (e *Engine) WriteEvents(w io.Writer) error { return e.det.WriteJSONL(w) }

// FailedNodes returns the nodes the engine handled as failed.
func (e *Engine) FailedNodes() []deploy.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]deploy.Node(nil), e.failed...)
}

// Prepare takes the baseline backups and the baseline state.
func (e *Engine) Prepare(ctx context.Context) error {
	if err := e.Refresh(ctx); err != nil {
		return err
	}
	return e.TakeBackups(ctx)
}

// Refresh re-reads the topology and the baseline (key counts per shard)
// just before a fault, so plans and checks compare against the latest state.
// It first starts the warm spares a past recovery used up: between
// incidents, never inside one.
func (e *Engine) Refresh(ctx context.Context) error {
	if err := e.ensureSpares(ctx); err != nil {
		return err
	}
	var shards []deploy.Shard
	ids := map[string]string{}
	if e.dep.Topology().Kind == rediskit.KindCluster {
		view, err := e.dep.Nodes()[0].ClusterNodes(ctx)
		if err != nil {
			return fmt.Errorf("refresh topology: %w", err)
		}
		shards = e.dep.ShardsOf(view)
		for _, n := range e.dep.Nodes() {
			for _, cn := range view {
				if cn.Addr == n.Addr() {
					ids[n.Name()] = cn.ID
				}
			}
		}
	} else {
		p := e.dep.Primary()
		var replicas []deploy.Node
		for _, n := range e.dep.Nodes() {
			if n != p {
				replicas = append(replicas, n)
			}
		}
		shards = []deploy.Shard{{Primary: p, Replicas: replicas, Slots: [][2]int{{0, rediskit.TotalSlots - 1}}}}
	}
	base, err := verify.TakeBaseline(ctx, e.dep)
	if err != nil {
		return fmt.Errorf("refresh baseline: %w", err)
	}
	e.mu.Lock()
	runIDs := primaryRunIDs(ctx, shards)
	e.shards, e.baseline, e.armedAt, e.clusterIDs, e.runIDs = shards, base, time.Now(), ids, runIDs
	e.mu.Unlock()
	return nil
}

// lostPartly reports whether a whole-deployment rollback was asked for
// while the engine has seen only part of the deployment down: a power cut
// reaches the machines one Docker call after another, so the first look
// may still find a replica answering. The engine looks again (see
// observeAttempts) before it rolls everything back on a partial view.
func (e *Engine) lostPartly(inc *Incident) bool {
	return e.opts.Strategy == "cluster-rollback" && inc != nil && inc.Kind != ClusterLost
}

// observeAttempts and observeRetry bound how often, and how far apart, the
// engine looks again at a failure no strategy applies to yet.
const (
	observeAttempts = 5
	observeRetry    = 200 * time.Millisecond
)

// ErrNoFailure is returned by Recover and Watch.Result when no failure showed
// within the detect timeout: the engine took no action.
var ErrNoFailure = errors.New("no failure seen")

// failureKinds are the events that start a recovery. A Docker pause event
// is not one: a freeze is silence, judged by the detect window like any
// other, so a short stall never triggers action in either mode.
var failureKinds = []detect.Kind{
	detect.KindDie, detect.KindKill, detect.KindStop, detect.KindOOM,
	detect.KindUnreachable, detect.KindEmptyRestart,
}

// Recover waits for the failure that follows the last Refresh, then plans,
// executes and verifies the recovery. t0 is the fault's onset, already
// known: Recover is Watch followed by Result. A caller that can arm the
// engine before the fault uses Watch, so the engine does not wait for the
// fault step to return.
func (e *Engine) Recover(ctx context.Context, t0 time.Time) (*Report, error) {
	return e.Watch(ctx).Result(ctx, t0)
}

// Collect returns the recovery w started before the fault; with no watch
// armed (nil: something delayed the engine on purpose, or the same fault
// is recovered again) it starts one now, as Recover does.
func (e *Engine) Collect(ctx context.Context, w *Watch, t0 time.Time) (*Report, error) {
	if w != nil {
		return w.Result(ctx, t0)
	}
	return e.Recover(ctx, t0)
}

// recover is the body of a Watch: it waits for the failure that follows
// armed, then plans, executes and verifies the recovery.
func (e *Engine) recover(ctx context.Context, armed time.Time, w *Watch) (*Report, error) {
	rep := &Report{Estimates: map[string]Estimate{}}
	tl := &Timeline{}
	e.recovering.Lock()
	defer e.recovering.Unlock()
	e.mu.Lock()
	fencedBefore := len(e.fences)
	e.watch, e.faultAt, e.used, e.verified, e.salvaged = w, time.Time{}, backup.Manifest{}, map[string]bool{}, nil
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.watch = nil
		rep.BackupID, rep.BackupTime = e.used.ID, e.used.Time
		rep.Salvage = append([]Salvage(nil), e.salvaged...)
		rep.Fences = append([]Fence(nil), e.fences[fencedBefore:]...)
		e.mu.Unlock()
	}()
	ev, err := e.waitFailure(ctx, armed, w)
	if err != nil {
		if ctx.Err() == nil {
			err = fmt.Errorf("%w within %s", ErrNoFailure, e.opts.DetectTimeout)
		}
		return rep, fmt.Errorf("detect failure: %w", err)
	}
	w.noteDetected(ev.Time)
	e.mu.Lock()
	e.faultAt = ev.Time // until the onset is known (see faultTime)
	e.mu.Unlock()
	// The detect span and DetectedAt are dated from the onset by Result:
	// the fault step may still be running, its onset not yet handed in.
	rep.DetectedAt, rep.Event = ev.Time, ev.String()
	tl.Add(Span{Name: "detect", Start: ev.Time, End: ev.Time, Detail: ev.String()})
	if t0 := w.Onset(); !t0.IsZero() {
		e.logger.Info("failure detected", "event", ev.String(), "after", ev.Time.Sub(t0).Round(time.Millisecond))
	} else {
		e.logger.Info("failure detected", "event", ev.String(), "onset", "not known yet: the fault step is still running")
	}

	e.holdCrashedPrimary(ctx, ev, tl)
	var inc *Incident
	var chosen Strategy
	var observed []string // what the failed node did (observeFailed)
	haveObserved := false
	// observe: what the failed node and Redis do (a supervisor's restart
	// refusing the files, coming back empty, ...); decide: the plan. A
	// failure that is still spreading (the machines of a power cut die
	// one Docker call after another, over a few hundred ms) can leave no
	// strategy that applies to what the first look saw: the engine then
	// looks again, a few times, before it gives up.
	for attempt := 1; ; attempt++ {
		name := "observe"
		if attempt > 1 {
			name = "observe again"
		}
		err = tl.Do(name, func() (string, error) {
			var err error
			inc, err = e.classify(ctx, ev)
			if err != nil {
				return "", err
			}
			rep.Incident, rep.Detail, rep.Shard = string(inc.Kind), inc.Detail, inc.Shard
			if inc.Failed != nil {
				rep.Node = inc.Failed.Name()
			}
			return inc.String(), nil
		})
		if err == nil && inc.Kind == EmptyRestart && !inc.Collapsed && len(inc.Replicas) > 0 && !e.fencedSince(fencedBefore, inc.Failed) {
			// The guard acts before the plan: a replica full-syncs an
			// emptied primary within a second of its restart (its
			// reconnect cron), so the emptied primary is stopped at once;
			// the plan then promotes a replica that kept the data, or
			// restores the node (the fence is lifted then, below).
			err = e.fenceNodes(ctx, inc, tl, []deploy.Node{inc.Failed}, true)
			inc.Guarded = err == nil
		}
		observed, haveObserved = nil, false
		if err == nil {
			// What the failed node did is read beside the plan, which
			// changes nothing on it.
			seen := make(chan []string, 1)
			if inc.observed != nil {
				seen <- inc.observed
			} else {
				go func(inc *Incident) { seen <- e.observeFailed(ctx, inc) }(inc)
			}
			err = tl.Do("decide", func() (string, error) {
				var err error
				chosen, err = e.plan(ctx, inc, rep, "")
				if err != nil {
					return "", err
				}
				rep.Strategy = chosen.Name()
				if e.fencedSince(fencedBefore, inc.Failed) && !takesOver(chosen.Name()) {
					e.liftFences(fencedBefore, inc.Failed, "fenced before the plan; "+chosen.Name()+" restores the node itself")
				}
				return fmt.Sprintf("%s → %s", inc, chosen.Name()), nil
			})
			observed, haveObserved = <-seen, true
		}
		if (err == nil && !e.lostPartly(inc)) || attempt >= observeAttempts || ctx.Err() != nil {
			break
		}
		if inc != nil {
			inc.release()
			inc = nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(observeRetry):
		}
	}
	if inc != nil {
		defer inc.release()
	}
	if !haveObserved {
		observed = e.observeFailed(ctx, inc)
	}
	rep.Observations = append(rep.Observations, observed...)
	if err != nil {
		rep.Spans = tl.Spans()
		return rep, err
	}
	e.logger.Info("recovering", "incident", inc.String(), "strategy", chosen.Name())
	flags := e.watchFailFlag(ctx, inc)
	defer func() {
		if flags == nil {
			return
		}
		if obs := flags.stop(inc.Failed.Name(), e.faultTime(), e.dep.Topology().NodeTimeout); obs != "" {
			rep.Observations = append(rep.Observations, obs)
		}
	}()
	execErr := chosen.Execute(ctx, e, inc, tl)
	if errors.Is(execErr, errReplan) && e.opts.Strategy == "" {
		// The incident changed under the strategy before it changed
		// anything (a replica synced the emptied primary meanwhile):
		// decide once more without it.
		first := chosen
		execErr = tl.Do("decide again", func() (string, error) {
			var err error
			chosen, err = e.plan(ctx, inc, rep, first.Name())
			if err != nil {
				return "", err
			}
			rep.Strategy = chosen.Name()
			return fmt.Sprintf("%s no longer applies → %s", first.Name(), chosen.Name()), nil
		})
		if execErr == nil && !takesOver(chosen.Name()) {
			// The first strategy fenced the failed node for a takeover
			// that never happened; the new one restores that very node
			// as the owner, so the fence is lifted before it comes back.
			e.liftFences(fencedBefore, inc.Failed, first.Name()+" did not take over; "+chosen.Name()+" restores the node itself")
		}
		if execErr == nil {
			e.logger.Info("recovering", "incident", inc.String(), "strategy", chosen.Name(), "instead_of", first.Name())
			execErr = chosen.Execute(ctx, e, inc, tl)
		}
	}
	if execErr == nil {
		execErr = tl.Do("verify", func() (string, error) { return e.verifyServing(ctx, inc) })
		rep.Verified = execErr == nil
	}
	rep.Spans = tl.Spans()
	if execErr != nil {
		return rep, fmt.Errorf("recover with %s: %w", chosen.Name(), execErr)
	}
	return rep, nil
}

// faultTime is the t0 a strategy refers to (a point-in-time rollback's
// target is faultTime − PointInTimeBefore): the fault's onset when the
// recovery in progress knows it by now, else when the failure was
// detected — an agent in production knows only what it detects, and the
// engine may act while the fault step is still running.
func (e *Engine) faultTime() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.watch != nil {
		if t0 := e.watch.Onset(); !t0.IsZero() {
			return t0
		}
	}
	return e.faultAt
}

// noteBackup records the backup the recovery in progress restores.
func (e *Engine) noteBackup(m backup.Manifest) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.used = m
}

// waitFailure returns the first failure after armed: a detector event, or a
// keyspace drop on a primary that stays up (an accidental FLUSHALL, which
// no container or replication event reveals). It gives up DetectTimeout
// after the fault's onset, which w learns once the fault step marked it;
// until then it waits (bounded by ctx).
func (e *Engine) waitFailure(ctx context.Context, armed time.Time, w *Watch) (detect.Event, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-w.windowStarted:
		case <-ctx.Done():
			return
		}
		t := time.NewTimer(time.Until(w.windowFrom().Add(e.opts.DetectTimeout)))
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done():
		}
	}()
	drop := make(chan detect.Event, 1)
	go e.watchKeyspace(ctx, drop)
	type result struct {
		ev  detect.Event
		err error
	}
	got := make(chan result, 1)
	go func() {
		ev, err := e.det.Wait(ctx, func(ev detect.Event) bool {
			if ev.Time.Before(armed) {
				return false
			}
			for _, k := range failureKinds {
				if ev.Kind == k {
					return true
				}
			}
			return false
		})
		got <- result{ev, err}
	}()
	select {
	case r := <-got:
		return r.ev, r.err
	case ev := <-drop:
		return ev, nil
	}
}

// errReplan is returned by a strategy that found, before it changed
// anything, that it no longer applies: Recover then decides once more
// without it.
var errReplan = errors.New("the incident changed before anything was done")

// plan asks every strategy for an estimate and picks the one that loses
// least, then the fastest. A forced strategy is used when it applies.
func (e *Engine) plan(ctx context.Context, inc *Incident, rep *Report, skip string) (Strategy, error) {
	// Every estimate at once: each is cheap but may ask a node something
	// (an exec, a DBSIZE), and one after another they added up to 0.1 s.
	ests := make([]Estimate, len(e.strategies))
	var wg sync.WaitGroup
	for i, s := range e.strategies {
		if s.Name() == skip {
			continue
		}
		wg.Go(func() {
			est, err := s.Estimate(ctx, e, inc)
			if err != nil {
				est = Estimate{Why: err.Error()}
			}
			ests[i] = est
		})
	}
	wg.Wait()
	var best Strategy
	var bestEst Estimate
	for i, s := range e.strategies {
		if s.Name() == skip {
			continue
		}
		est := ests[i]
		rep.Estimates[s.Name()] = est
		if !est.Applicable {
			continue
		}
		if e.opts.Strategy != "" {
			if s.Name() == e.opts.Strategy {
				return s, nil
			}
			continue
		}
		if best == nil || better(est, bestEst) {
			best, bestEst = s, est
		}
	}
	if e.opts.Strategy != "" {
		return nil, fmt.Errorf("plan recovery: strategy %s does not apply: %s", e.opts.Strategy, rep.Estimates[e.opts.Strategy].Why)
	}
	if best == nil {
		return nil, errors.New("plan recovery: no strategy applies to " + inc.String())
	}
	return best, nil
}

// better reports whether a loses fewer keys than b (unknown loss counts as
// worst), then whether it is faster.
func better(a, b Estimate) bool {
	la, lb := a.LostKeys, b.LostKeys
	if la < 0 {
		la = 1 << 62
	}
	if lb < 0 {
		lb = 1 << 62
	}
	if la != lb {
		return la < lb
	}
	return a.Duration < b.Duration
}

func (e *Engine) strategy(name string) (Strategy, bool) {
	for _, s := range e.strategies {
		if s.Name() == name {
			return s, true
		}
	}
	return nil, false
}

// knownIDs returns the cluster ids the last Refresh saw for the nodes.
func (e *Engine) knownIDs(nodes []deploy.Node) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, n := range nodes {
		if id := e.clusterIDs[n.Name()]; id != "" {
			out = append(out, id)
		}
	}
	return out
}
