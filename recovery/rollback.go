package recovery

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ClusterRollback restores every shard to one snapshot point: the newest
// cluster backup that verifies. Each primary keeps its identity and gets its
// shard's RDB; replicas start with no data files and full-sync from their
// primary. Current files are quarantined on every node, never deleted.
type ClusterRollback struct{}

// Name implements Strategy.
func (ClusterRollback) Name() string { return "cluster-rollback" }

// Estimate implements Strategy.
func (ClusterRollback) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if inc.Kind != ClusterLost && env.Options().Strategy != "cluster-rollback" {
		return Estimate{Why: "only when the whole deployment is lost (or asked for)"}, nil
	}
	m, _, err := env.clusterBackup()
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: "roll back to " + m.ID, LostKeys: lossVersus(env.baselineKeys(), m.Keys), Duration: 3 * time.Second}, nil
}

// Execute implements Strategy.
func (ClusterRollback) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e, dep := env, env.Deployment()
	var point backup.Manifest
	var shardRDB map[deploy.Node]string
	// Rolling back from archives, machines that are down boot first, their
	// servers held down: each shard's scratch load then runs inside its
	// primary's machine (not in a scratch container of its own), files go
	// through running machines (no toolbox) and the start below is the
	// servers' alone: 6.05 s -> 5.25 s for cluster-crash-rollback-archive
	// (probe, 2 cores). From a snapshot there is no scratch load to move;
	// there the boots that start the servers at once are quicker, as the
	// primaries' 2 s writable delay then runs while the replicas boot
	// (3.9 s against 5.1 s booted held).
	var held []deploy.Node
	if len(e.Options().Archives) > 0 {
		var err error
		if held, err = bootHeld(ctx, tl, dep.Nodes(), e.shardsNow()); err != nil {
			return err
		}
	}
	err := tl.Do("fetch backup", func() (string, error) {
		if len(e.Options().Archives) > 0 {
			m, rdbs, what, err := e.archiveRollback(ctx)
			if err == nil {
				point, shardRDB = m, rdbs
				e.noteBackup(m)
				return what, nil
			}
			e.log().Warn("archive rollback failed: rolling back to the newest cluster backup", "err", err)
		}
		m, children, err := e.clusterBackup()
		if err != nil {
			return "", err
		}
		point = m
		e.noteBackup(m)
		shardRDB, err = e.matchShards(children)
		return fmt.Sprintf("%s (%d shards, taken %s)", m.ID, len(children), m.Time.Format(time.TimeOnly)), err
	})
	if err != nil {
		return err
	}
	nodes := dep.Nodes()
	var running []deploy.Node // a machine booted held has no server to stop
	for _, n := range nodes {
		if !slices.Contains(held, n) {
			running = append(running, n)
		}
	}
	if err := tl.Do("stop nodes", func() (string, error) {
		what := fmt.Sprint(len(running), " nodes")
		if len(held) > 0 {
			what += fmt.Sprintf(" (%d booted held: nothing to stop)", len(held))
		}
		return what, forEach(running, func(n deploy.Node) error { return ensureStopped(ctx, n) })
	}); err != nil {
		return err
	}
	err = tl.Do("load data", func() (string, error) {
		// Through each running machine; the machines that are still
		// down (a provider that cannot boot one held) share one toolbox:
		// a container start per node cost ~2.5 s more on 2 cores.
		if err := quarantineStopped(ctx, dep, nodes, dataFiles...); err != nil {
			return "", err
		}
		var mu sync.Mutex
		var reidentified []string
		err := forEach(nodes, func(n deploy.Node) error {
			rdb, ok := shardRDB[n]
			if !ok {
				return nil
			}
			if _, err := stageRDB(ctx, n, dep.Topology(), rdb); err != nil {
				return err
			}
			// A primary whose disk was lost has no nodes.conf: it would
			// come back as a stranger. Its identity comes back from its
			// newest data-dir snapshot.
			if dep.Topology().Kind == rediskit.KindCluster && !hasNodesConf(ctx, n) {
				if err := restoreIdentity(ctx, e, n); err != nil {
					return fmt.Errorf("restore identity of %s: %w", n.Name(), err)
				}
				mu.Lock()
				reidentified = append(reidentified, n.Name())
				mu.Unlock()
			}
			return nil
		})
		what := "to " + point.ID
		if len(reidentified) > 0 {
			what += fmt.Sprintf("; nodes.conf of %v from its snapshot (lost with its disk)", reidentified)
		}
		return what, err
	})
	if err != nil {
		return err
	}
	var primaries, replicas []deploy.Node
	for _, n := range nodes {
		if _, ok := shardRDB[n]; ok {
			primaries = append(primaries, n)
		} else {
			replicas = append(replicas, n)
		}
	}
	err = tl.Do(spanStartServer, func() (string, error) {
		// Primaries first, replicas once their primaries serve: a replica
		// started beside them was seen (CI rehearsal, 2026-12-07) to dial
		// its primary's address from before the crash, by then another
		// replica's, and stay unsynced ("NOMASTERLINK") past the heal.
		what := fmt.Sprintf("%d primaries, %d replicas", len(primaries), len(replicas))
		if err := forEach(primaries, func(n deploy.Node) error { return startAndLoad(ctx, n) }); err != nil {
			return "", err
		}
		return what, forEach(replicas, func(n deploy.Node) error { return startAndLoad(ctx, n) })
	})
	if err != nil {
		return err
	}
	return tl.Do("rejoin", func() (string, error) {
		if dep.Topology().Kind != rediskit.KindCluster {
			if len(primaries) > 0 {
				dep.SetPrimary(primaries[0])
			}
			return "standalone primary back", nil
		}
		return "cluster_state ok everywhere", waitClusterOK(ctx, nodes)
	})
}

// bootHeld boots every machine among nodes that is down and can boot with
// its server held down (deploy.HeldBooter) as one span "boot machines":
// the primaries of shards (the shards known before the failure) at once
// first, then the rest at once, the order in which a rollback used to boot
// them with their servers, so the machines take their addresses in the
// same order. A cluster whose every machine crashed then has its scratch
// loads and files go through running machines, and its start is the
// servers' alone. It returns the nodes it booted; nothing to boot records
// no span.
func bootHeld(ctx context.Context, tl *Timeline, nodes []deploy.Node, shards []deploy.Shard) ([]deploy.Node, error) {
	var first, then []deploy.Node
	for _, n := range nodes {
		if _, ok := n.(deploy.HeldBooter); !ok {
			continue
		}
		if up, err := n.MachineRunning(ctx); err != nil || up {
			continue
		}
		if slices.ContainsFunc(shards, func(s deploy.Shard) bool { return s.Primary == n }) {
			first = append(first, n)
		} else {
			then = append(then, n)
		}
	}
	booted := append(slices.Clone(first), then...)
	if len(booted) == 0 {
		return nil, nil
	}
	boot := func(wave []deploy.Node) error {
		return forEach(wave, func(n deploy.Node) error { return n.(deploy.HeldBooter).BootHeld(ctx) })
	}
	return booted, tl.Do(spanBootHeld, func() (string, error) {
		what := fmt.Sprintf("%d machines (%d primaries first), servers held down", len(booted), len(first))
		if err := boot(first); err != nil {
			return what, err
		}
		return what, boot(then)
	})
}
