package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// PromoteReplica makes the most up-to-date live replica of the failed shard
// its primary. In a cluster it uses CLUSTER FAILOVER FORCE when a majority of
// primaries can vote, and TAKEOVER only when the old primary is known dead
// (or came back empty) and no majority is reachable. For a replicated
// deployment it runs REPLICAOF NO ONE and repoints the other replicas.
// It is also the guard against an empty-restarted primary: promoting the
// replica before it full-syncs from the empty primary keeps the shard's data.
type PromoteReplica struct{}

// Name implements Strategy.
func (PromoteReplica) Name() string { return "promote-replica" }

// Estimate implements Strategy.
func (PromoteReplica) Estimate(ctx context.Context, inc *Incident) (Estimate, error) {
	if inc.Kind != PrimaryDown && inc.Kind != EmptyRestart && inc.Kind != RefusesStart && inc.Kind != StartedEmpty {
		return Estimate{Why: "no failed primary"}, nil
	}
	best, _, err := bestReplica(ctx, inc.Replicas)
	if err != nil || best == nil {
		return Estimate{Why: "no live replica with data"}, nil
	}
	return Estimate{Applicable: true, Why: "promote " + best.Name, LostKeys: 0, Duration: 200 * time.Millisecond}, nil
}

// Execute implements Strategy.
func (PromoteReplica) Execute(ctx context.Context, inc *Incident, tl *Timeline) error {
	dep := inc.env.dep
	var cand *harness.Node
	var mode string
	err := tl.Do("pick replica", func() (string, error) {
		best, off, err := bestReplica(ctx, inc.Replicas)
		if err != nil {
			return "", err
		}
		if best == nil {
			return "", errors.New("decide promotion: no live replica")
		}
		cand = best
		mode = failoverMode(ctx, dep, inc)
		return fmt.Sprintf("%s (offset %d) via %s", best.Name, off, mode), nil
	})
	if err != nil {
		return err
	}
	if dep.Topology.Kind != harness.KindCluster {
		return promoteStandalone(ctx, dep, inc, cand, tl)
	}
	err = tl.Do("promote", func() (string, error) {
		return mode, command(ctx, cand, "CLUSTER", "FAILOVER", mode)
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
		return cand.Name + " serves the shard's slots", err
	})
	return err
}

// failoverMode picks FORCE when a majority of the cluster's primaries are
// reachable to vote, else TAKEOVER.
func failoverMode(ctx context.Context, dep *harness.Deployment, inc *Incident) string {
	if dep.Topology.Kind != harness.KindCluster {
		return "REPLICAOF NO ONE"
	}
	total, alive := 0, 0
	if inc.Failed != nil {
		total++ // the failed primary still counts in the quorum
	}
	for _, n := range dep.Nodes() {
		if n == inc.Failed {
			continue
		}
		info, err := n.Info(ctx, "replication")
		if err != nil || info["role"] != "master" {
			continue
		}
		view, err := n.ClusterNodes(ctx)
		if err != nil {
			continue
		}
		for _, cn := range view {
			if cn.Has("myself") && len(cn.Slots) > 0 {
				total++
				alive++
			}
		}
	}
	if alive > total/2 {
		return "FORCE"
	}
	if inc.PrimaryKnownDead || inc.Kind == EmptyRestart {
		return "TAKEOVER"
	}
	return "FORCE"
}

// bestReplica returns the live replica with the highest replication offset.
func bestReplica(ctx context.Context, replicas []*harness.Node) (*harness.Node, int64, error) {
	var best *harness.Node
	bestOff := int64(-1)
	for _, r := range replicas {
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		info, err := r.Info(pctx, "replication")
		cancel()
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

// waitOwnsSlots waits until n reports itself a primary owning slots.
func waitOwnsSlots(ctx context.Context, n *harness.Node) error {
	for {
		view, err := n.ClusterNodes(ctx)
		if err == nil {
			for _, cn := range view {
				if cn.Has("myself") && cn.IsPrimary() && len(cn.Slots) > 0 {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to own slots: %w", n.Name, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func promoteStandalone(ctx context.Context, dep *harness.Deployment, inc *Incident, cand *harness.Node, tl *Timeline) error {
	err := tl.Do("promote", func() (string, error) {
		return "REPLICAOF NO ONE on " + cand.Name, command(ctx, cand, "REPLICAOF", "NO", "ONE")
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
			errs = append(errs, command(ctx, r, "REPLICAOF", cand.IP(), strconv.Itoa(harness.RedisPort)))
		}
		return "", errors.Join(errs...)
	})
}

// command runs one command on a node.
func command(ctx context.Context, n *harness.Node, args ...any) error {
	c := n.Client()
	defer c.Close()
	if err := c.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("run %v on %s: %w", args, n.Name, err)
	}
	return nil
}
