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
	// Surviving replicas must not take the slots of a primary being
	// restored (it would then full-sync their data set).
	release, err := holdReplicas(ctx, env, replicasOf(dep.Nodes(), e.shardsNow()), tl)
	if err != nil {
		return err
	}
	defer release()
	var held []deploy.Node
	// The replicas' machines boot beside the primaries' restore: a
	// rollback waits for the primaries, whose boot, fetch, install and
	// start are the RTO, and for Redis's 2 s writable delay after their
	// start, inside which the replicas' boot, quarantine and start fit.
	// Six boots at once took 1.2 s where three took 0.8 s (2 cores).
	var replicasBoot *bootBeside
	// In a cluster the primaries booted held then start closed (empty,
	// behind a temporary password) beside the fetch: Redis's 2 s
	// writable delay runs while the backup is made and proved, and the
	// data comes in without a restart (closedstart.go).
	var closed *closedBeside
	primariesLoaded := func() {}
	if len(e.Options().Archives) > 0 || dep.Topology().Kind == rediskit.KindCluster {
		primaries, replicas := downHeldBootable(ctx, dep.Nodes(), e.shardsNow())
		held = append(slices.Clone(primaries), replicas...)
		if err := bootHeld(ctx, tl, primaries, fmt.Sprintf("%d primaries' machines, servers held down", len(primaries))); err != nil {
			return err
		}
		var after chan struct{}
		if dep.Topology().Kind == rediskit.KindCluster && len(primaries) > 0 {
			closed = startClosedBeside(ctx, tl, e, primaries)
			defer closed.release(ctx, e.log())
			// The replicas' boots wait until the primaries serve rather
			// than slow every exec and copy of their restore: quiet,
			// booting them with the primaries (six boots at once, 3.9-
			// 4.3 s against 1.7-2.0 s for three) or beside the restore
			// cost 1.3-3 s of RTO (2 cores, 2026-12-08).
			after = make(chan struct{})
			primariesLoaded = sync.OnceFunc(func() { close(after) })
		}
		replicasBoot = bootReplicasBeside(ctx, tl, dep, replicas, after)
		// The gate opens before the wait: a rollback that fails before
		// its primaries are loaded must not wait on boots that wait on it.
		defer func() { primariesLoaded(); _ = replicasBoot.wait() }()
	}
	err = tl.Do("fetch backup", func() (string, error) {
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
	if err := closed.wait(ctx, e.log()); err != nil {
		e.log().Warn("closed start failed: the primaries start after their data is in", "err", err)
	}
	// Files of the nodes the replicas' boot handles are its own to move;
	// a server started closed loads its data itself.
	installed := slices.DeleteFunc(slices.Clone(nodes), func(n deploy.Node) bool { return replicasBoot.owns(n) || closed.owns(n) })
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
		if err := quarantineStopped(ctx, dep, installed, dataFiles...); err != nil {
			return "", err
		}
		var mu sync.Mutex
		var reidentified []string
		err := forEach(installed, func(n deploy.Node) error {
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
		if err != nil {
			return "", err
		}
		loadedClosed, err := loadClosed(ctx, dep.Topology(), closed, shardRDB)
		what := "to " + point.ID + loadedClosed
		if len(reidentified) > 0 {
			what += fmt.Sprintf("; nodes.conf of %v from its snapshot (lost with its disk)", reidentified)
		}
		return what, err
	})
	if err != nil {
		return err
	}
	primariesLoaded()
	var primaries, replicas []deploy.Node
	for _, n := range nodes {
		if _, ok := shardRDB[n]; ok {
			primaries = append(primaries, n)
		} else {
			replicas = append(replicas, n)
		}
	}
	startAll := func(ns []deploy.Node) error {
		return forEach(ns, func(n deploy.Node) error {
			if closed.owns(n) {
				return nil // serving since load data
			}
			return startAndLoad(ctx, n)
		})
	}
	err = tl.Do(spanStartServer, func() (string, error) {
		what := fmt.Sprintf("%d primaries, %d replicas", len(primaries), len(replicas))
		if replicasBoot != nil {
			// The primaries first, then the replicas once their boot
			// beside the restore is done: the primaries' writable
			// delay runs meanwhile.
			if err := startAll(primaries); err != nil {
				return "", err
			}
			if err := replicasBoot.wait(); err != nil {
				return "", err
			}
			return what + ", the replicas once booted", startAll(replicas)
		}
		if keepAddresses(nodes) {
			// Every machine is where it was: a replica dials its own
			// primary whenever it starts, so all start at once.
			return what + " at once (addresses kept)", startAll(nodes)
		}
		// Primaries first, replicas once their primaries serve: where
		// machines take new addresses at boot, a replica started beside
		// them was seen (CI rehearsal, 2026-12-07) to dial its primary's
		// address from before the crash, by then another replica's, and
		// stay unsynced ("NOMASTERLINK") past the heal.
		if err := startAll(primaries); err != nil {
			return "", err
		}
		return what, startAll(replicas)
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

// replicasOf returns the nodes that are no shard's primary.
func replicasOf(nodes []deploy.Node, shards []deploy.Shard) []deploy.Node {
	var out []deploy.Node
	for _, n := range nodes {
		if !slices.ContainsFunc(shards, func(s deploy.Shard) bool { return s.Primary == n }) {
			out = append(out, n)
		}
	}
	return out
}

// downHeldBootable returns the machines among nodes that are down and can
// boot with their servers held down (deploy.HeldBooter): the primaries of
// shards (the shards known before the failure) and the rest.
func downHeldBootable(ctx context.Context, nodes []deploy.Node, shards []deploy.Shard) (primaries, rest []deploy.Node) {
	for _, n := range nodes {
		if _, ok := n.(deploy.HeldBooter); !ok {
			continue
		}
		if up, err := n.MachineRunning(ctx); err != nil || up {
			continue
		}
		if slices.ContainsFunc(shards, func(s deploy.Shard) bool { return s.Primary == n }) {
			primaries = append(primaries, n)
		} else {
			rest = append(rest, n)
		}
	}
	return primaries, rest
}

// bootHeld boots nodes (deploy.HeldBooter machines that are down) at once
// with their servers held down, as one span "boot machines": files then
// go through the running machines, and a start is the server's alone.
// Nothing to boot records no span.
func bootHeld(ctx context.Context, tl *Timeline, nodes []deploy.Node, what string) error {
	if len(nodes) == 0 {
		return nil
	}
	return tl.Do(spanBootHeld, func() (string, error) {
		return what, forEach(nodes, func(n deploy.Node) error { return n.(deploy.HeldBooter).BootHeld(ctx) })
	})
}

// bootBeside is the replicas' part of a rollback, run beside the
// primaries' restore: their machines boot held and their data files are
// quarantined (a replica full-syncs from its restored primary).
type bootBeside struct {
	nodes []deploy.Node
	done  chan struct{}
	err   error
}

// bootReplicasBeside starts booting replicas held (once after is closed,
// when it is not nil) and quarantining their data files, as the spans
// "boot machines" and "quarantine" beside the primaries' restore. Where
// machines take a new address at each boot (deploy.AddressKeeper), the
// primaries booted first keep theirs.
func bootReplicasBeside(ctx context.Context, tl *Timeline, dep deploy.Deployment, replicas []deploy.Node, after <-chan struct{}) *bootBeside {
	b := &bootBeside{nodes: replicas, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		if len(replicas) == 0 {
			return
		}
		if after != nil {
			select {
			case <-after:
			case <-ctx.Done():
				b.err = ctx.Err()
				return
			}
		}
		if b.err = bootHeld(ctx, tl, replicas, fmt.Sprintf("%d replicas' machines beside the primaries' restore, servers held down", len(replicas))); b.err != nil {
			return
		}
		b.err = tl.Do("quarantine", func() (string, error) {
			return fmt.Sprintf("data files of %d replicas (they full-sync from their primaries)", len(replicas)),
				quarantineStopped(ctx, dep, replicas, dataFiles...)
		})
	}()
	return b
}

// owns reports whether n is one of the replicas b boots; a nil b owns none.
func (b *bootBeside) owns(n deploy.Node) bool {
	return b != nil && slices.Contains(b.nodes, n)
}

// wait waits for b's boot and quarantine and returns their error; a nil b
// has none.
func (b *bootBeside) wait() error {
	if b == nil {
		return nil
	}
	<-b.done
	return b.err
}

// keepAddresses reports whether every node keeps its address across a
// boot (deploy.AddressKeeper): then no boot or start order is needed.
func keepAddresses(nodes []deploy.Node) bool {
	for _, n := range nodes {
		if k, ok := n.(deploy.AddressKeeper); !ok || !k.KeepsAddress() {
			return false
		}
	}
	return true
}
