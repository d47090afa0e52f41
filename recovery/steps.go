package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/recovery/verify"
)

// Verify checks the deployment against the baseline of the last Refresh
// (cluster state, slot coverage, split brain, replication links, key counts
// per shard) and returns the typed result; it never fails by itself.
func (e *Engine) Verify(ctx context.Context, opts verify.Options) verify.Result {
	e.mu.Lock()
	base := e.baseline
	e.mu.Unlock()
	return verify.Check(ctx, e.dep, &base, opts)
}

// Execute runs one strategy by name against the shard k as it was at the
// last Refresh, without waiting for a detector event — the step-by-step
// use (e.g. "replace shard 2 now" on a game day). It returns the spans.
func (e *Engine) Execute(ctx context.Context, strategy string, shard int) ([]Span, error) {
	s, ok := e.strategy(strategy)
	if !ok {
		return nil, fmt.Errorf("execute strategy: unknown strategy %q (known: %v)", strategy, StrategyNames())
	}
	e.mu.Lock()
	shards, base := e.shards, e.baseline
	e.faultAt = time.Now()
	e.mu.Unlock()
	if shard < 0 || shard >= len(shards) {
		return nil, fmt.Errorf("execute %s: shard %d out of range (deployment has %d)", strategy, shard, len(shards))
	}
	sh := shards[shard]
	inc := &Incident{Kind: ShardLost, Shard: sh.Index, Slots: sh.Slots, Failed: sh.Primary, FailedID: sh.PrimaryID,
		Replicas: sh.Replicas, DetectedAt: time.Now(), PreFaultKeys: -1, env: e, Detail: "requested: " + strategy}
	for _, sb := range base.Shards {
		if sb.Index == sh.Index {
			inc.PreFaultKeys = sb.Keys
		}
	}
	inc.PrimaryKnownDead = e.knownDead(ctx, sh.Primary)
	// A requested strategy still has to say it applies; its Execute fences
	// every old owner that is still alive before handing its slots over.
	est, err := s.Estimate(ctx, inc)
	if err != nil {
		return nil, fmt.Errorf("estimate %s: %w", strategy, err)
	}
	if !est.Applicable {
		return nil, fmt.Errorf("execute %s on shard %d: not applicable: %s", strategy, shard, est.Why)
	}
	e.recovering.Lock()
	defer e.recovering.Unlock()
	tl := &Timeline{}
	err = s.Execute(ctx, inc, tl)
	return tl.Spans(), err
}
