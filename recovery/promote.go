package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// PromoteReplica makes the most up-to-date live replica of the failed shard
// its primary. In a cluster it uses CLUSTER FAILOVER FORCE when a majority of
// primaries can vote, and TAKEOVER only when the old primary is known dead
// (or came back empty) and no majority is reachable. For a replicated
// deployment it runs REPLICAOF NO ONE and repoints the other replicas;
// where Sentinels watch the primary it asks them to fail over at once
// (SENTINEL FAILOVER), so Sentinel never undoes the promotion.
// It is also the guard against an empty-restarted primary: promoting the
// replica before it full-syncs from the empty primary keeps the shard's data.
// Its estimate compares the replica's DBSIZE with the shard's baseline, so a
// replica that already synced the empty dataset is not promoted (0 keys) or
// reports its loss (fewer keys), letting the planner prefer a restore.
type PromoteReplica struct{}

// Name implements Strategy.
func (PromoteReplica) Name() string { return "promote-replica" }

// Estimate implements Strategy.
func (PromoteReplica) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if inc.Kind != PrimaryDown && inc.Kind != EmptyRestart && inc.Kind != RefusesStart && inc.Kind != StartedEmpty {
		return Estimate{Why: "no failed primary"}, nil
	}
	if inc.Collapsed {
		return Estimate{Why: "every live replica synced the emptied primary"}, nil
	}
	best, _, err := bestReplica(ctx, inc.Replicas)
	if err != nil || best == nil {
		return Estimate{Why: "no live replica with data"}, nil
	}
	est := Estimate{Applicable: true, Why: "promote " + best.Name(), Duration: 200 * time.Millisecond}
	keys, err := replicaKeys(ctx, best)
	if err != nil {
		est.LostKeys, est.Why = -1, fmt.Sprintf("promote %s: key count unknown (%v)", best.Name(), err)
		return est, nil
	}
	check := promotionLoss(inc.PreFaultKeys, keys)
	est.Applicable, est.LostKeys = check.Applicable, check.LostKeys
	if check.Why != "" {
		est.Why = fmt.Sprintf("promote %s: %s", best.Name(), check.Why)
	}
	return est, nil
}

// promotionCheck is what a replica's key count says about promoting it.
type promotionCheck struct {
	Applicable bool
	LostKeys   int64  // keys the shard loses against the baseline (0 within tolerance)
	Why        string // empty when the counts agree
}

// promotionTolerance is how many keys a replica may lack against the
// baseline and still count as holding the shard's data: replication lag,
// expiries and deletes since the baseline move the count a little.
func promotionTolerance(baseline int64) int64 {
	return max(10, baseline/100)
}

// promotionLoss compares a replica's key count (DBSIZE) with the shard's
// pre-fault baseline (negative: unknown). A replica with no keys while the
// baseline had some has synced an emptied primary and must not be promoted;
// one that lacks more than promotionTolerance keys is promotable, but its
// loss is reported so the planner can prefer a restore that loses less.
func promotionLoss(baseline, replica int64) promotionCheck {
	if baseline < 0 {
		return promotionCheck{Applicable: true}
	}
	if replica <= 0 && baseline > 0 {
		return promotionCheck{LostKeys: baseline, Why: fmt.Sprintf("replica holds 0 keys, baseline %d: it may have synced an emptied primary", baseline)}
	}
	if baseline-replica > promotionTolerance(baseline) {
		return promotionCheck{Applicable: true, LostKeys: baseline - replica,
			Why: fmt.Sprintf("replica holds %d keys, baseline %d: it may have synced an emptied primary", replica, baseline)}
	}
	return promotionCheck{Applicable: true}
}

// replicaKeys returns DBSIZE of a replica, bounded so a silent node cannot
// stall the decision.
func replicaKeys(ctx context.Context, n deploy.Node) (int64, error) {
	c := n.QuickClient(quickTimeout)
	defer c.Close()
	keys, err := c.DBSize(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("count keys on %s: %w", n.Name(), err)
	}
	return keys, nil
}

// Execute implements Strategy.
func (PromoteReplica) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	dep := env.Deployment()
	var cand deploy.Node
	var mode string
	if inc.Kind == EmptyRestart && !inc.Guarded {
		// The old primary answers, empty: stop it before anything else,
		// so no replica can full-sync the empty dataset while the
		// promotion is under way (a write pause does not stop that).
		if err := env.fenceNodes(ctx, inc, tl, []deploy.Node{inc.Failed}, true); err != nil {
			return err
		}
	}
	err := tl.Do("pick replica", func() (string, error) {
		best, off, err := bestReplica(ctx, inc.Replicas)
		if err != nil {
			return "", err
		}
		if best == nil {
			return "", errors.New("decide promotion: no live replica")
		}
		keys := "keys unknown"
		if n, kerr := replicaKeys(ctx, best); kerr == nil {
			// Re-check at execution: the replica may have synced an
			// emptied primary since the estimate.
			if check := promotionLoss(inc.PreFaultKeys, n); !check.Applicable {
				inc.Collapsed = inc.Kind == EmptyRestart
				return "", fmt.Errorf("decide promotion: %s: %s: %w", best.Name(), check.Why, errReplan)
			}
			keys = fmt.Sprintf("%d keys", n)
		}
		cand = best
		return fmt.Sprintf("%s (offset %d, %s)", best.Name(), off, keys), nil
	})
	if err != nil {
		return err
	}
	// Fence the old primary before its role goes to cand; a fence that
	// kills it makes it known dead, which the failover mode relies on.
	if inc.Kind != EmptyRestart {
		if err := env.fenceNodes(ctx, inc, tl, []deploy.Node{inc.Failed}, false); err != nil {
			return err
		}
	}
	if dep.Topology().Kind != rediskit.KindCluster {
		if err := promoteStandalone(ctx, dep, inc, cand, tl); err != nil {
			return err
		}
		return env.releasePausedWrites(ctx, tl)
	}
	mode = failoverMode(ctx, dep, inc, cand)
	err = tl.Do("promote", func() (string, error) {
		err := command(ctx, cand, "CLUSTER", "FAILOVER", mode)
		if err != nil && ownsSlotsNow(ctx, cand) {
			// Redis's own failover promoted cand first (node-timeout
			// passed while the engine decided), so CLUSTER FAILOVER
			// refused a primary: the wait below checks that it serves
			// the shard's slots.
			mode = "none: Redis's own failover had already promoted it"
			return mode, nil
		}
		return mode, err
	})
	if err != nil {
		return err
	}
	err = tl.Do("wait primary", func() (string, error) {
		waitCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err := waitOwnsSlots(waitCtx, cand)
		if err != nil && mode == "FORCE" && inc.PrimaryKnownDead {
			// Votes did not come (e.g. voters still see the old primary): the
			// old primary is known dead, so a takeover cannot split the brain.
			if terr := command(ctx, cand, "CLUSTER", "FAILOVER", "TAKEOVER"); terr != nil {
				return "", fmt.Errorf("take over after failed FORCE: %w", terr)
			}
			waitCtx2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
			defer cancel2()
			return "FORCE timed out; TAKEOVER", waitOwnsSlots(waitCtx2, cand)
		}
		return cand.Name() + " serves the shard's slots via " + mode, err
	})
	if err != nil {
		return err
	}
	return env.releasePausedWrites(ctx, tl)
}

// failoverMode picks how cand takes over the failed primary's slots. Redis
// grants a FORCE failover only with votes from a majority of the cluster
// size: every primary that owns slots in the candidate's view, unreachable
// and failed ones included. FORCE is chosen when the live primaries other
// than the failed one are such a majority; otherwise TAKEOVER, but only when
// the old primary is known dead (or came back empty), since a takeover next
// to a live old primary splits the brain.
func failoverMode(ctx context.Context, dep deploy.Deployment, inc *Incident, cand deploy.Node) string {
	if dep.Topology().Kind != rediskit.KindCluster {
		return "REPLICAOF NO ONE"
	}
	failedAddr := ""
	if inc.Failed != nil {
		failedAddr = inc.Failed.Addr()
	}
	view := clusterViewFor(ctx, dep, inc.Failed, cand)
	byAddr := map[string]deploy.Node{}
	for _, n := range dep.Nodes() {
		byAddr[n.Addr()] = n
	}
	if inc.Failed != nil {
		delete(byAddr, failedAddr) // never counted as a voter: do not pay its probe timeout
	}
	answers := probePrimaries(ctx, view, byAddr)
	total, live := quorumCounts(view, inc.FailedID, failedAddr, func(cn deploy.ClusterNode) bool { return answers[cn.Addr] })
	return chooseFailoverMode(total, live, inc.PrimaryKnownDead || inc.Kind == EmptyRestart)
}

// chooseFailoverMode is failoverMode's decision: FORCE when live (primaries
// that can vote, the failed one excluded) is a strict majority of total (the
// cluster size: every slot-owning primary, dead ones included); else
// TAKEOVER when the old primary is known dead; else FORCE, which cannot
// split the brain and may still win once voters recover.
func chooseFailoverMode(total, live int, oldPrimaryDead bool) string {
	if total > 0 && 2*live > total {
		return "FORCE"
	}
	if oldPrimaryDead {
		return "TAKEOVER"
	}
	return "FORCE"
}

// quorumCounts counts, in one node's cluster view, the cluster size (every
// primary owning slots, whatever its flags) and the primaries that can vote:
// not the failed one (matched by id, or by address when the id is unknown),
// not flagged fail, and live by the caller's probe.
func quorumCounts(view []deploy.ClusterNode, failedID, failedAddr string, live func(deploy.ClusterNode) bool) (total, voters int) {
	for _, cn := range view {
		if !cn.IsPrimary() || len(cn.Slots) == 0 {
			continue
		}
		total++
		failed := cn.ID == failedID || (failedID == "" && failedAddr != "" && cn.Addr == failedAddr)
		if failed || cn.Has("fail") || !live(cn) {
			continue
		}
		voters++
	}
	return total, voters
}

// clusterViewFor reads CLUSTER NODES from cand (whose view sets the quorum
// Redis asks for), else from the first other answering node except the
// failed one. It returns nil when nobody answers.
func clusterViewFor(ctx context.Context, dep deploy.Deployment, failed, cand deploy.Node) []deploy.ClusterNode {
	order := []deploy.Node{cand}
	for _, n := range dep.Nodes() {
		if n != cand && n != failed {
			order = append(order, n)
		}
	}
	for _, n := range order {
		if n == nil {
			continue
		}
		vctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		view, err := n.ClusterNodes(vctx)
		cancel()
		if err == nil {
			return view
		}
	}
	return nil
}

// probePrimaries asks, in parallel, every slot-owning primary of the view
// that is a known node whether it answers INFO as a primary. The result is
// keyed by address; unknown or silent nodes are absent.
func probePrimaries(ctx context.Context, view []deploy.ClusterNode, byAddr map[string]deploy.Node) map[string]bool {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]bool{}
	for _, cn := range view {
		n := byAddr[cn.Addr]
		if n == nil || !cn.IsPrimary() || len(cn.Slots) == 0 {
			continue
		}
		wg.Go(func() {
			info, err := quickInfo(ctx, n, "replication")
			if err != nil || info["role"] != "master" {
				return
			}
			mu.Lock()
			out[cn.Addr] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// bestReplica returns the live replica with the highest replication offset.
func bestReplica(ctx context.Context, replicas []deploy.Node) (deploy.Node, int64, error) {
	var best deploy.Node
	bestOff := int64(-1)
	for _, r := range replicas {
		info, err := quickInfo(ctx, r, "replication")
		if err != nil {
			continue
		}
		off, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		if info["role"] == "master" {
			off, _ = strconv.ParseInt(info["master_repl_offset"], 10, 64)
		}
		if off > bestOff {
			best, bestOff = r, off
		}
	}
	return best, bestOff, nil
}

// ownsSlotsNow says whether n reports itself a primary owning slots.
func ownsSlotsNow(ctx context.Context, n deploy.Node) bool {
	view, err := n.ClusterNodes(ctx)
	if err != nil {
		return false
	}
	for _, cn := range view {
		if cn.Has("myself") && cn.IsPrimary() && len(cn.Slots) > 0 {
			return true
		}
	}
	return false
}

// waitOwnsSlots waits until n reports itself a primary owning slots.
func waitOwnsSlots(ctx context.Context, n deploy.Node) error {
	for {
		if ownsSlotsNow(ctx, n) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to own slots: %w", n.Name(), ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func promoteStandalone(ctx context.Context, dep deploy.Deployment, inc *Incident, cand deploy.Node, tl *Timeline) error {
	if sg, ok := sentinelsOf(dep); ok {
		return tl.Do("promote", func() (string, error) {
			n, via, err := sentinelFailover(ctx, dep, sg, inc.Failed.Addr())
			if err != nil {
				return "", err
			}
			dep.SetPrimary(n)
			detail := fmt.Sprintf("SENTINEL FAILOVER %s via %s: %s is primary (Sentinel's choice; the engine's was %s)", sg.MasterName(), via, n.Name(), cand.Name())
			if n == cand {
				return detail, nil
			}
			// Sentinel picks by its own last view of the replicas' offsets
			// (the highest wins, so one that full-synced an emptied
			// primary loses to one that kept the data); the engine checked
			// its own candidate only, so it checks Sentinel's now.
			keys, kerr := replicaKeys(ctx, n)
			if kerr != nil {
				return detail + ", keys unknown", nil
			}
			if check := promotionLoss(inc.PreFaultKeys, keys); !check.Applicable {
				return detail, fmt.Errorf("promote through sentinel: %s: %s", n.Name(), check.Why)
			}
			return fmt.Sprintf("%s, %d keys", detail, keys), nil
		})
	}
	err := tl.Do("promote", func() (string, error) {
		return "REPLICAOF NO ONE on " + cand.Name(), command(ctx, cand, "REPLICAOF", "NO", "ONE")
	})
	if err != nil {
		return err
	}
	dep.SetPrimary(cand)
	return tl.Do("repoint replicas", func() (string, error) {
		var errs []error
		for _, r := range inc.Replicas {
			if r == cand {
				continue
			}
			errs = append(errs, command(ctx, r, "REPLICAOF", cand.IP(), strconv.Itoa(rediskit.RedisPort)))
		}
		return "", errors.Join(errs...)
	})
}

// command runs one command on a node.
func command(ctx context.Context, n deploy.Node, args ...any) error {
	c := n.Client()
	defer c.Close()
	if err := c.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("run %v on %s: %w", args, n.Name(), err)
	}
	return nil
}
