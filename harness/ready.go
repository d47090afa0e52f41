package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// DefaultReadyTimeout bounds WaitReady.
const DefaultReadyTimeout = 90 * time.Second

// Poll intervals of WaitReady and of Start's own wait for ready.
const (
	readyInterval      = 100 * time.Millisecond
	startReadyInterval = 20 * time.Millisecond
)

// WaitReady waits until Ready reports nil, polling every 100 ms, for at most
// DefaultReadyTimeout.
func (dep *Deployment) WaitReady(ctx context.Context) error {
	return dep.WaitReadyWithin(ctx, DefaultReadyTimeout)
}

// WaitReadyWithin is WaitReady with its own bound.
func (dep *Deployment) WaitReadyWithin(ctx context.Context, timeout time.Duration) error {
	return dep.waitReady(ctx, timeout, readyInterval)
}

// waitReady polls Ready every interval for at most timeout, keeping one
// connection per node across polls.
func (dep *Deployment) waitReady(ctx context.Context, timeout, interval time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	clients := newClientCache()
	defer clients.close()
	var last error
	for {
		err := dep.ready(ctx, clients)
		if err == nil {
			return nil
		}
		if last == nil || err.Error() != last.Error() {
			dep.logger.Debug("not ready", "reason", err)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for ready: %w (last: %v)", ctx.Err(), last)
		case <-time.After(interval):
		}
	}
}

// Ready returns nil when the deployment is fully ready, or why it is not:
// every node answers; for a cluster, cluster_state:ok on every node and all
// 16384 slots covered exactly once in every node's view; every replica has
// master_link_status:up and has caught up with its primary's offset (a
// replica whose first sync has not finished can never fail over). Nodes are
// asked in parallel, one connection each; replicas are read again after
// every primary, so a replica is compared with an offset its primary had
// already reached. The reason given is that of the first node, in node
// order, that is not ready. A KindSentinel deployment is ready once its
// Sentinels agree on the one primary and know every replica, linked up,
// and each other.
func (dep *Deployment) Ready(ctx context.Context) error {
	clients := newClientCache()
	defer clients.close()
	return dep.ready(ctx, clients)
}

// ready is Ready with the clients of cc.
func (dep *Deployment) ready(ctx context.Context, cc *clientCache) error {
	nodes := dep.Nodes()
	if len(nodes) == 0 {
		return errors.New("no nodes")
	}
	clients := make([]*redis.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = cc.client(n)
	}
	infos := make([]map[string]string, len(nodes))
	if err := eachNode(cc, nodes, func(i int, n *Node) error {
		if err := pingOnce(ctx, clients[i], n); err != nil {
			return err
		}
		info, err := infoOf(ctx, clients[i], n, "replication")
		infos[i] = info
		return err
	}); err != nil {
		return err
	}
	offsets := map[string]int64{} // primary ip -> master_repl_offset
	var replicas []int
	for i, n := range nodes {
		if infos[i]["role"] == "master" {
			off, _ := strconv.ParseInt(infos[i]["master_repl_offset"], 10, 64)
			offsets[n.IP()] = off
		} else {
			replicas = append(replicas, i)
		}
	}
	if dep.Topology.Kind == KindCluster {
		spareAddrs := map[string]bool{}
		for _, s := range dep.Spares() {
			spareAddrs[s.Addr()] = true
		}
		if err := eachNode(cc, nodes, func(i int, n *Node) error {
			return clusterOK(ctx, clients[i], n, len(nodes), len(replicas), spareAddrs)
		}); err != nil {
			return err
		}
	}
	if dep.Topology.Kind == KindSentinel {
		if err := dep.sentinelReady(ctx, cc, nodes, infos); err != nil {
			return err
		}
	}
	return eachNode(cc, nodes, func(i int, r *Node) error {
		if !slices.Contains(replicas, i) {
			return nil
		}
		info, err := infoOf(ctx, clients[i], r, "replication")
		if err != nil {
			return err
		}
		if info["master_link_status"] != "up" {
			return fmt.Errorf("replica %s: master_link_status %s", r.Name(), info["master_link_status"])
		}
		off, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		if want, ok := offsets[info["master_host"]]; ok && off < want {
			return fmt.Errorf("replica %s: offset %d behind primary %d", r.Name(), off, want)
		}
		return nil
	})
}

// eachNode runs check on every node in parallel and returns the error of
// the first node, in order, whose check failed. A node whose connection
// failed (transportError) loses its cached client: a go-redis pool that
// failed to dial waits before it dials again, which would hide a node that
// came back.
func eachNode(cc *clientCache, nodes []*Node, check func(i int, n *Node) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			errs[i] = check(i, n)
			var te transportError
			if errors.As(errs[i], &te) {
				cc.evict(n)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func pingOnce(ctx context.Context, c *redis.Client, n *Node) error {
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("ping %s: %w", n.Name(), transport(err))
	}
	return nil
}

// infoOf reads one INFO section of n through c.
func infoOf(ctx context.Context, c *redis.Client, n *Node, section string) (map[string]string, error) {
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, n.Name(), transport(err))
	}
	return rediskit.ParseInfo(text), nil
}

// clusterOK checks cluster_state, slot coverage and membership in one node's
// view: it must list every node, none failed, with as many replicas as there
// are nodes in the replica role, each the replica of a primary it lists.
func clusterOK(ctx context.Context, c *redis.Client, n *Node, nodes, replicas int, spares map[string]bool) error {
	text, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("cluster info on %s: %w", n.Name(), transport(err))
	}
	if ci := rediskit.ParseInfo(text); ci["cluster_state"] != "ok" {
		return fmt.Errorf("node %s: cluster_state %s (slots ok %s of %s assigned, size %s, %s nodes known)", n.Name(),
			ci["cluster_state"], ci["cluster_slots_ok"], ci["cluster_slots_assigned"], ci["cluster_size"], ci["cluster_known_nodes"])
	}
	nodesText, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return fmt.Errorf("read cluster nodes from %s: %w", n.Name(), transport(err))
	}
	view, err := rediskit.ParseClusterNodes(nodesText)
	if err != nil {
		return err
	}
	seenReplicas, seenSpares := 0, 0
	for _, cn := range view {
		if spares[cn.Addr] && len(cn.Slots) == 0 {
			seenSpares++ // a warm spare that joined as a slotless primary
			continue
		}
		if cn.Has("fail") || cn.Has("fail?") || cn.Has("handshake") {
			return fmt.Errorf("node %s sees %s as %v", n.Name(), cn.Addr, cn.Flags)
		}
		if cn.Has("slave") {
			seenReplicas++
		}
	}
	primaries := map[string]bool{}
	for _, cn := range view {
		if cn.IsPrimary() {
			primaries[cn.ID] = true
		}
	}
	for _, cn := range view {
		if cn.Has("slave") && !primaries[cn.MasterID] {
			return fmt.Errorf("node %s sees replica %s of no known primary (%s)", n.Name(), cn.Addr, cn.MasterID)
		}
	}
	if len(view)-seenSpares != nodes || seenReplicas != replicas {
		return fmt.Errorf("node %s sees %d nodes / %d replicas, want %d / %d", n.Name(), len(view)-seenSpares, seenReplicas, nodes, replicas)
	}
	return rediskit.CheckSlotCoverage(view)
}

// Sleep waits for d or until ctx ends, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
