package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
)

// Trial timing knobs.
const (
	trialWarmUp   = time.Second
	rtoTimeout    = 90 * time.Second
	readyStable   = time.Second
	servingWait   = 45 * time.Second
	workloadRate  = 400
	workloadConns = 4
)

// engineStrategy maps a bench strategy to the engine strategy it forces
// ("" = Redis recovers by itself).
func engineStrategy(s string) string {
	switch s {
	case EnginePromote:
		return "promote-replica"
	case ReplaceFromRDB, ReplaceWarm:
		return "replace-node"
	case ReplaceFromAOF:
		return "replace-from-aof"
	case ClusterRoll:
		return "cluster-rollback"
	}
	return ""
}

// faultTarget is what a strategy's trial kills.
func faultTarget(s string) fault.Target {
	switch s {
	case ReplaceFromRDB, ReplaceWarm, ReplaceFromAOF:
		return fault.Target{Role: fault.RoleShard, Shard: 0}
	case ClusterRoll:
		return fault.Target{Role: fault.RoleAll}
	}
	return fault.Target{Role: fault.RoleShardPrimary, Shard: 0}
}

// needsBackups says whether the strategy restores from the catalog.
func needsBackups(s string) bool {
	return s == ReplaceFromRDB || s == ReplaceWarm || s == ReplaceFromAOF || s == ClusterRoll
}

// trial runs one sample of a strategy at a size on a fresh cluster. Setup
// failures are returned as errors; a recovery that fails is a sample with
// Error set.
func (b *runner) trial(ctx context.Context, keys int, strategy string) (s Sample, err error) {
	dep, err := harness.Start(ctx, b.env.Docker, b.cfg.topology(), harness.StartOptions{Image: b.env.Image, Logger: b.quiet})
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
	if strategy == ReplicaResync {
		return resync(ctx, dep, s)
	}
	return b.faultTrial(ctx, dep, strategy, s)
}

// faultTrial runs the workload and the prober, kills the target, lets the
// engine (or Redis) recover, and measures RTO and acked writes lost.
func (b *runner) faultTrial(ctx context.Context, dep *harness.Deployment, strategy string, s Sample) (Sample, error) {
	var eng *recovery.Engine
	if name := engineStrategy(strategy); name != "" {
		catDir, err := os.MkdirTemp(b.env.WorkDir, "catalog-")
		if err != nil {
			return s, fmt.Errorf("create catalog dir: %w", err)
		}
		defer os.RemoveAll(catDir)
		eng, err = recovery.New(ctx, dep, recovery.Options{Logger: b.quiet, CatalogDir: catDir, Strategy: name, WarmSpare: strategy == ReplaceWarm})
		if err != nil {
			return s, err
		}
		defer eng.Close()
	}
	probeClient := dep.Client(harness.ClientOptions{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, DialTimeout: 200 * time.Millisecond})
	defer probeClient.Close()
	prober, err := startProber(ctx, dep, probeClient)
	if err != nil {
		return s, err
	}
	defer prober.Stop()
	client := dep.Client(harness.ClientOptions{})
	defer client.Close()
	wl, err := workload.Start(ctx, client, workload.Profile{Clients: workloadConns, Rate: workloadRate, ValueSize: 64, Seed: 1})
	if err != nil {
		return s, fmt.Errorf("start workload: %w", err)
	}
	defer wl.Stop()
	if err := sleep(ctx, trialWarmUp/2); err != nil {
		return s, err
	}
	if eng != nil {
		if err := eng.Refresh(ctx); err != nil {
			return s, err
		}
		if needsBackups(strategy) {
			// Prepare = backups + the warm spare when the options ask for one.
			if err := eng.Prepare(ctx); err != nil {
				return s, err
			}
		}
	}
	if err := sleep(ctx, trialWarmUp/2); err != nil {
		return s, err
	}
	if eng != nil {
		if err := eng.Refresh(ctx); err != nil {
			return s, err
		}
	}
	f, err := fault.New("kill", fault.Params{Target: faultTarget(strategy)})
	if err != nil {
		return s, err
	}
	inj, err := fault.Apply(ctx, dep, f)
	defer func() {
		if inj != nil {
			_ = inj.Heal(context.WithoutCancel(ctx))
		}
	}()
	if err != nil {
		return s, fmt.Errorf("inject kill: %w", err)
	}
	t0 := inj.Start
	var recErr error
	if eng != nil {
		rep, err := eng.Recover(ctx, t0)
		recErr = err
		if rep != nil {
			s.Chosen = rep.Strategy
			s.Spans = spanTimes(rep.Spans)
			for _, sp := range rep.Spans {
				if sp.Name == "detect" {
					s.DetectMS = ms(sp.Duration())
				}
			}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, rtoTimeout)
	tReady, readyErr := prober.WaitReady(wctx, t0, readyStable)
	cancel()
	if err := inj.Heal(ctx); err != nil {
		b.logger.Warn("heal kill", "err", err)
	}
	ledger := wl.Stop()
	prober.Stop()
	if err := waitServing(ctx, dep); err != nil {
		b.logger.Warn("cluster not fully ready before the final read", "err", err)
	}
	check, err := ledger.FinalRead(ctx, client)
	if err != nil {
		return s, fmt.Errorf("final read: %w", err)
	}
	s.Acked, s.Lost = ledger.Counts().OK, check.Lost
	switch {
	case recErr != nil:
		s.Error = recErr.Error()
	case readyErr != nil:
		s.Error = fmt.Sprintf("not ready within %s: %v", rtoTimeout, readyErr)
	default:
		s.RTOMS = ms(tReady.Sub(t0))
	}
	return s, nil
}

func startProber(ctx context.Context, dep *harness.Deployment, client redis.UniversalClient) (*workload.Prober, error) {
	view, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		return nil, err
	}
	var shards [][][2]int
	for _, s := range view {
		shards = append(shards, s.Slots)
	}
	keys, err := workload.ProbeKeys(ctx, client, shards)
	if err != nil {
		return nil, fmt.Errorf("pick probe keys: %w", err)
	}
	p, err := workload.StartProber(ctx, client, keys, workload.MaxProbeInterval)
	if err != nil {
		return nil, fmt.Errorf("start prober: %w", err)
	}
	return p, nil
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

// waitServing waits (bounded) until the deployment is ready again.
func waitServing(ctx context.Context, dep *harness.Deployment) error {
	ctx, cancel := context.WithTimeout(ctx, servingWait)
	defer cancel()
	var last error
	for {
		if last = dep.Ready(ctx); last == nil {
			return nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return errors.Join(err, last)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
