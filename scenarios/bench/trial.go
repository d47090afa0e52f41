package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Trial timing knobs.
const (
	trialWarmUp   = time.Second
	rtoTimeout    = 90 * time.Second
	workloadRate  = 400
	workloadConns = 4
)

// engineStrategy maps a bench strategy to the engine strategy it forces
// ("" = Redis recovers by itself).
func engineStrategy(s string) string {
	switch s {
	case EnginePromote, EngineSilent, SentinelEngine, SentinelEngineSilent:
		return "promote-replica"
	case ReplaceFromRDB, ReplaceWarm:
		return "replace-node"
	case ReplaceFromAOF, ReplaceAOFWarm:
		return "replace-from-aof"
	case ClusterRoll:
		return "cluster-rollback"
	}
	return ""
}

// faultTarget is what a strategy's trial kills.
func faultTarget(s string) fault.Target {
	switch s {
	case ReplaceFromRDB, ReplaceWarm, ReplaceFromAOF, ReplaceAOFWarm:
		return fault.Target{Role: fault.RoleShard, Shard: 0}
	case ClusterRoll:
		return fault.Target{Role: fault.RoleAll}
	}
	if onSentinel(s) {
		return fault.Target{Role: fault.RolePrimary}
	}
	return fault.Target{Role: fault.RoleShardPrimary, Shard: 0}
}

// faultName is how a strategy's trial takes the target out: a kill (a
// crash: connections are refused at once), or a freeze for the silent
// variants (healed after the recovery).
func faultName(s string) string {
	switch s {
	case NativeSilent, EngineSilent, SentinelNativeSilent, SentinelEngineSilent:
		return "pause"
	}
	return "kill"
}

// needsBackups says whether the strategy restores from the catalog.
func needsBackups(s string) bool {
	return s == ReplaceFromRDB || s == ReplaceWarm || s == ReplaceFromAOF || s == ReplaceAOFWarm || s == ClusterRoll
}

// trial runs one sample of a strategy at a size on a fresh cluster. Setup
// failures are returned as errors; a recovery that fails is a sample with
// Error set.
func (b *runner) trial(ctx context.Context, keys int, strategy string) (Sample, error) {
	if strategy == ReplicaResync {
		return b.resyncTrial(ctx, keys)
	}
	return b.faultTrial(ctx, keys, strategy)
}

// resyncTrial measures a replica's full resync of a dataset.
func (b *runner) resyncTrial(ctx context.Context, keys int) (s Sample, err error) {
	dep, err := b.startCluster(ctx)
	defer func() {
		if terr := dep.Terminate(context.WithoutCancel(ctx)); terr != nil {
			b.logger.Warn("terminate bench cluster", "err", terr)
		}
	}()
	if err != nil {
		return s, fmt.Errorf("start cluster: %w", err)
	}
	b.noteRedis(dep)
	gen, err := populate(ctx, dep, keys, b.cfg.ValueSize)
	if err != nil {
		return s, err
	}
	s.GenMS = ms(gen)
	b.res.AddGeneration(keys, s.GenMS)
	return resync(ctx, dep, s)
}

// faultTrial is one drill session: load the dataset, run the workload and
// the prober, kill (or freeze) the target, let the engine (or Redis)
// recover. RTO,
// acked writes lost and the verdict come from the session's one clock and
// one checker.
func (b *runner) faultTrial(ctx context.Context, keys int, strategy string) (Sample, error) {
	var s Sample
	b.seq++
	p := session.Plan{
		Name:     fmt.Sprintf("bench-%s-%d-%d", strategy, keys, b.seq),
		Labels:   []string{"bench", "strategy:" + strategy},
		Topology: b.cfg.topologyFor(strategy),
		Workload: workload.Profile{Clients: workloadConns, Rate: workloadRate, ValueSize: 64},
		WarmUp:   trialWarmUp, RTOTimeout: rtoTimeout,
		Setup: func(ctx context.Context, sd session.Deployment) error {
			dep := sd.Docker()
			if dep == nil {
				return errors.New("bench trial: needs the Docker provider")
			}
			b.noteRedis(dep)
			gen, err := populate(ctx, dep, keys, b.cfg.ValueSize)
			s.GenMS = ms(gen)
			return err
		},
		Steps: []session.Step{
			{ID: "fault", Fault: &session.FaultStep{Name: faultName(strategy), Params: fault.Params{Target: faultTarget(strategy)}}},
			{ID: "recover", Recover: session.RecoverNative},
		},
	}
	if name := engineStrategy(strategy); name != "" {
		p.Engine = &session.EngineSpec{Strategy: name, WarmSpare: warmSpare(strategy), BackupPoints: -1}
		if needsBackups(strategy) {
			p.Engine.BackupPoints = 1
		}
		p.Steps[1].Recover = session.RecoverEngine
		p.Expect.Strategy = name
	}
	env := session.Env{Docker: b.env.Docker, Image: b.env.Image, Logger: b.quiet, OutDir: b.env.WorkDir, Seed: 1, DetectMode: b.cfg.DetectMode,
		Pool: b.pool, Next: &harness.Spec{Topology: b.cfg.topologyFor(strategy), Image: b.env.Image}}
	out, err := session.Run(ctx, env, p)
	if out == nil {
		return s, err
	}
	if s.GenMS > 0 {
		b.res.AddGeneration(keys, s.GenMS)
	}
	res := out.Result
	s.Acked, s.Lost = int(res.Loss.Acked), int(res.Loss.Lost)
	s.Verdict = string(res.Verdict.Status)
	if len(out.Recoveries) > 0 {
		rep := out.Recoveries[0]
		s.Chosen = rep.Strategy
		s.Spans = spanTimes(rep.Spans)
		s.DecidedMS = decidedAt(rep.Spans)
		s.DetectMS = res.Detect.Ms()
	}
	switch {
	case err != nil:
		return s, err
	case res.Verdict.Status != reports.StatusPass:
		s.Error = strings.Join(res.Verdict.Reasons, "; ")
	case warmSpare(strategy) && startedContainer(s.Spans):
		// Measured against the warm floor, a restore that had to start a
		// container (the spare could not load) is not a warm sample.
		s.Error = "the warm spare was not used: the engine started a container"
	default:
		s.RTOMS = res.RTO.Ms()
	}
	return s, nil
}

// warmSpare says whether a strategy's trial keeps a warm spare.
func warmSpare(s string) bool { return s == ReplaceWarm || s == ReplaceAOFWarm }

// startedContainer reports whether a recovery's spans include a container
// start (a new node, or a crashed machine booted again).
func startedContainer(spans []SpanTime) bool {
	for _, sp := range spans {
		if sp.Name == "start container" || sp.Name == "create container" || sp.Name == "boot machine" || sp.Name == "boot machines" {
			return true
		}
	}
	return false
}

// decidedAt returns the end of the last decide span, in ms after the start
// of the detect span (t0); 0 when either is missing.
func decidedAt(spans []recovery.Span) float64 {
	var t0, decided time.Time
	for _, sp := range spans {
		switch sp.Name {
		case "detect":
			t0 = sp.Start
		case "decide", "decide again":
			decided = sp.End
		}
	}
	if t0.IsZero() || decided.IsZero() {
		return 0
	}
	return ms(decided.Sub(t0))
}

// spanTimes sums span durations by name, keeping first-seen order.
func spanTimes(spans []recovery.Span) []SpanTime {
	var out []SpanTime
	idx := map[string]int{}
	for _, sp := range spans {
		i, ok := idx[sp.Name]
		if !ok {
			i = len(out)
			idx[sp.Name] = i
			out = append(out, SpanTime{Name: sp.Name})
		}
		out[i].MS += ms(sp.Duration())
	}
	return out
}
