package harness

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// form turns freshly started nodes into the topology: slots, MEET and
// REPLICATE for a cluster (what redis-cli --cluster create does, in Go),
// REPLICAOF for a replicated pair. Nodes are laid out primaries first, then
// the replicas of shard 0, shard 1, ...
func (dep *Deployment) form(ctx context.Context) error {
	nodes := dep.Nodes()
	for _, n := range nodes {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := n.WaitPing(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
	t := dep.Topology
	switch t.Kind {
	case KindStandalone:
		return nil
	case KindReplicated:
		dep.setPrimary(nodes[0])
		for _, r := range nodes[1:] {
			if err := do(ctx, r, "REPLICAOF", nodes[0].IP(), strconv.Itoa(RedisPort)); err != nil {
				return fmt.Errorf("form replication: %w", err)
			}
			// Persist the role, so a restarted replica comes back a replica.
			if err := do(ctx, r, "CONFIG", "REWRITE"); err != nil {
				return fmt.Errorf("form replication: %w", err)
			}
		}
		return nil
	}
	return dep.formCluster(ctx, nodes)
}

func (dep *Deployment) formCluster(ctx context.Context, nodes []*Node) error {
	t := dep.Topology
	primaries := nodes[:t.Primaries]
	for i, p := range primaries {
		r := SlotRanges(t.Primaries)[i]
		if err := do(ctx, p, "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(r[0]), strconv.Itoa(r[1])); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
		if err := do(ctx, p, "CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	for _, n := range nodes[1:] {
		if err := do(ctx, n, "CLUSTER", "MEET", nodes[0].IP(), strconv.Itoa(RedisPort)); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	if err := dep.waitAllKnown(ctx, nodes); err != nil {
		return err
	}
	for s, p := range primaries {
		pid, err := p.RedisID(ctx)
		if err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
		for j := 0; j < t.Replicas; j++ {
			r := nodes[t.Primaries+s*t.Replicas+j]
			if err := do(ctx, r, "CLUSTER", "REPLICATE", pid); err != nil {
				return fmt.Errorf("form cluster: %w", err)
			}
		}
	}
	return nil
}

// waitAllKnown waits until every node lists every other node, out of handshake.
func (dep *Deployment) waitAllKnown(ctx context.Context, nodes []*Node) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		for _, n := range nodes {
			view, err := n.ClusterNodes(ctx)
			if err != nil || len(view) != len(nodes) {
				ok = false
				break
			}
			for _, cn := range view {
				if cn.Has("handshake") || cn.Has("noaddr") {
					ok = false
				}
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("form cluster: nodes did not all meet within 30s")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("form cluster: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// do runs one command on a node and returns its error.
func do(ctx context.Context, n *Node, args ...string) error {
	c := n.Client()
	defer c.Close()
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	if err := c.Do(ctx, a...).Err(); err != nil {
		return fmt.Errorf("%s on %s: %w", args[0]+" "+args[min(1, len(args)-1)], n.Name, err)
	}
	return nil
}
