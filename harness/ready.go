package harness

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// DefaultReadyTimeout bounds WaitReady.
const DefaultReadyTimeout = 90 * time.Second

// WaitReady waits until Ready reports nil, polling every 100 ms, for at most
// DefaultReadyTimeout.
func (dep *Deployment) WaitReady(ctx context.Context) error {
	return dep.WaitReadyWithin(ctx, DefaultReadyTimeout)
}

// WaitReadyWithin is WaitReady with its own bound.
func (dep *Deployment) WaitReadyWithin(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = dep.Ready(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for ready: %w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Ready returns nil when the deployment is fully ready, or why it is not:
// every node answers; for a cluster, cluster_state:ok on every node and all
// 16384 slots covered exactly once in every node's view; every replica has
// master_link_status:up and has caught up with its primary's offset (a
// replica whose first sync has not finished can never fail over).
func (dep *Deployment) Ready(ctx context.Context) error {
	nodes := dep.Nodes()
	if len(nodes) == 0 {
		return errors.New("no nodes")
	}
	for _, n := range nodes {
		if err := pingOnce(ctx, n); err != nil {
			return err
		}
	}
	offsets := map[string]int64{} // primary ip -> master_repl_offset
	var replicas []*Node
	for _, n := range nodes {
		info, err := n.Info(ctx, "replication")
		if err != nil {
			return err
		}
		if info["role"] == "master" {
			off, _ := strconv.ParseInt(info["master_repl_offset"], 10, 64)
			offsets[n.IP()] = off
		} else {
			replicas = append(replicas, n)
		}
	}
	if dep.Topology.Kind == KindCluster {
		spareAddrs := map[string]bool{}
		for _, s := range dep.Spares() {
			spareAddrs[s.Addr()] = true
		}
		for _, n := range nodes {
			if err := clusterOK(ctx, n, len(nodes), len(replicas), spareAddrs); err != nil {
				return err
			}
		}
	}
	for _, r := range replicas {
		info, err := r.Info(ctx, "replication")
		if err != nil {
			return err
		}
		if info["master_link_status"] != "up" {
			return fmt.Errorf("replica %s: master_link_status %s", r.Name, info["master_link_status"])
		}
		off, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		if want, ok := offsets[info["master_host"]]; ok && off < want {
			return fmt.Errorf("replica %s: offset %d behind primary %d", r.Name, off, want)
		}
	}
	return nil
}

func pingOnce(ctx context.Context, n *Node) error {
	c := n.Client()
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("ping %s: %w", n.Name, err)
	}
	return nil
}

// clusterOK checks cluster_state, slot coverage and membership in one node's
// view: it must list every node, none failed, with as many replicas as there
// are nodes in the replica role.
func clusterOK(ctx context.Context, n *Node, nodes, replicas int, spares map[string]bool) error {
	c := n.Client()
	defer c.Close()
	text, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("cluster info on %s: %w", n.Name, err)
	}
	if st := ParseInfo(text)["cluster_state"]; st != "ok" {
		return fmt.Errorf("node %s: cluster_state %s", n.Name, st)
	}
	view, err := n.ClusterNodes(ctx)
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
			return fmt.Errorf("node %s sees %s as %v", n.Name, cn.Addr, cn.Flags)
		}
		if cn.Has("slave") {
			seenReplicas++
		}
	}
	if len(view)-seenSpares != nodes || seenReplicas != replicas {
		return fmt.Errorf("node %s sees %d nodes / %d replicas, want %d / %d", n.Name, len(view)-seenSpares, seenReplicas, nodes, replicas)
	}
	return CheckSlotCoverage(view)
}

// CheckSlotCoverage returns nil when every slot is served by exactly one
// primary that is not failed.
func CheckSlotCoverage(view []ClusterNode) error {
	var owner [TotalSlots]int8
	for _, cn := range view {
		if !cn.IsPrimary() || cn.Has("fail") {
			continue
		}
		for _, r := range cn.Slots {
			for s := r[0]; s <= r[1] && s < TotalSlots; s++ {
				owner[s]++
			}
		}
	}
	missing, double := 0, 0
	for _, o := range owner {
		switch {
		case o == 0:
			missing++
		case o > 1:
			double++
		}
	}
	if missing > 0 || double > 0 {
		return fmt.Errorf("slot coverage: %d slots unserved, %d served twice", missing, double)
	}
	return nil
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
