package harness

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Bounds of forming: how long a node may take to answer after its
// container started, how long a replica waits to learn its primary, and
// how often it asks.
const (
	formListenTimeout = 30 * time.Second
	formMeetTimeout   = 30 * time.Second
	formRetryInterval = 10 * time.Millisecond
	// formRemeetAfter is how long a replica waits for a node to see its
	// role before it meets that node again.
	formRemeetAfter = 250 * time.Millisecond
)

// former turns nodes into the topology while they come up, in one pass:
// each node is configured as soon as it answers, and waits only for the
// nodes it has to talk to. Nodes are laid out primaries first, then the
// replicas of shard 0, shard 1, ...
//
// For a cluster (what redis-cli --cluster create does, without its
// rounds): every node takes config epoch index+1 and a primary its slots
// (CLUSTER ADDSLOTSRANGE) before it knows any other node; the primaries
// meet each other; a replica meets its primary, replicates it as soon as it
// knows its id, then meets every other node and waits until each lists it
// as its primary's replica (confirmReplica). A meet of a node already known
// makes it take the sender's header again, so every node sees each replica
// as a replica right away rather than at the next periodic ping (Redis 7
// does not broadcast the role change of CLUSTER REPLICATE). A primary that
// holds its slots within 2 s of its start turns cluster_state ok once
// coverage is complete and CLUSTER_WRITABLE_DELAY (2 s from its first
// clusterUpdateState, which cron runs from start-up) has passed; one that
// got them later counts as having been in the minority and waits out the
// rejoin delay (the node timeout, up to 5 s) on top. A replica loads its
// first sync from the socket (socketLoad).
type former struct {
	dep   *Deployment
	topo  Topology
	nodes []*Node         // by index; set before ready[i] closes
	ids   []string        // cluster node ids; set before ready[i] closes
	ready []chan struct{} // closed when node i answers and (cluster) holds its epoch and slots
}

func newFormer(dep *Deployment, count int) *former {
	f := &former{dep: dep, topo: dep.Topology, nodes: make([]*Node, count), ids: make([]string, count),
		ready: make([]chan struct{}, count)}
	for i := range f.ready {
		f.ready[i] = make(chan struct{})
	}
	return f
}

// wait returns node i once it is ready, or ctx's error.
func (f *former) wait(ctx context.Context, i int) (*Node, error) {
	select {
	case <-f.ready[i]:
		return f.nodes[i], nil
	case <-ctx.Done():
		return nil, fmt.Errorf("form %s: %w", f.topo, ctx.Err())
	}
}

// join waits until node i answers (then calls listening), then makes it
// part of the topology.
func (f *former) join(ctx context.Context, i int, n *Node, listening func()) error {
	lctx, cancel := context.WithTimeout(ctx, formListenTimeout)
	err := n.waitListening(lctx)
	cancel()
	if err != nil {
		return err
	}
	listening()
	c := n.Client()
	defer c.Close()
	switch f.topo.Kind {
	case KindStandalone:
		f.announce(i, n, "")
		return nil
	case KindReplicated, KindSentinel:
		return f.joinReplicated(ctx, c, i, n)
	}
	return f.joinCluster(ctx, c, i, n)
}

// announce publishes node i (and its cluster id) to the nodes waiting for it.
func (f *former) announce(i int, n *Node, id string) {
	f.nodes[i], f.ids[i] = n, id
	close(f.ready[i])
}

// joinReplicated makes node 0 the primary and every other node its replica.
func (f *former) joinReplicated(ctx context.Context, c *redis.Client, i int, n *Node) error {
	f.announce(i, n, "")
	if i == 0 {
		f.dep.setPrimary(n)
		return nil
	}
	p, err := f.wait(ctx, 0)
	if err != nil {
		return err
	}
	restore := socketLoad(ctx, c)
	if err := run(ctx, c, n, "REPLICAOF", p.IP(), strconv.Itoa(RedisPort)); err != nil {
		return fmt.Errorf("form replication: %w", err)
	}
	if err := restore(ctx); err != nil {
		return fmt.Errorf("form replication: %s: %w", n.Name(), err)
	}
	// Persist the role, so a restarted replica comes back a replica.
	if err := run(ctx, c, n, "CONFIG", "REWRITE"); err != nil {
		return fmt.Errorf("form replication: %w", err)
	}
	return nil
}

// joinCluster configures node i and meets the nodes it must know.
func (f *former) joinCluster(ctx context.Context, c *redis.Client, i int, n *Node) error {
	primaries := f.topo.Primaries
	id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return fmt.Errorf("form cluster: read node id of %s: %w", n.Name(), err)
	}
	if i < primaries {
		r := rediskit.SlotRanges(primaries)[i]
		if err := run(ctx, c, n, "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(r[0]), strconv.Itoa(r[1])); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	if err := run(ctx, c, n, "CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
		return fmt.Errorf("form cluster: %w", err)
	}
	f.announce(i, n, id)
	if i < primaries {
		return f.meet(ctx, c, n, 0, i)
	}
	shard := (i - primaries) / max(f.topo.Replicas, 1)
	if err := f.meet(ctx, c, n, shard, shard+1); err != nil {
		return err
	}
	restore := socketLoad(ctx, c)
	if err := f.replicate(ctx, c, n, f.ids[shard]); err != nil {
		return err
	}
	if err := f.meet(ctx, c, n, 0, len(f.nodes), i); err != nil {
		return err
	}
	if err := f.confirmReplica(ctx, c, i, n, f.ids[shard]); err != nil {
		return err
	}
	if err := restore(ctx); err != nil {
		return fmt.Errorf("form cluster: %s: %w", n.Name(), err)
	}
	return nil
}

// meet sends CLUSTER MEET from n to every node of [from, to) but skip, each
// once it is ready.
func (f *former) meet(ctx context.Context, c *redis.Client, n *Node, from, to int, skip ...int) error {
	for j := from; j < to; j++ {
		if slices.Contains(skip, j) {
			continue
		}
		m, err := f.wait(ctx, j)
		if err != nil {
			return err
		}
		if err := run(ctx, c, n, "CLUSTER", "MEET", m.IP(), strconv.Itoa(RedisPort)); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	return nil
}

// confirmReplica waits until every other node sees node i as a replica
// of pid, meeting again a node that does not yet: a node that took i's
// header before it knew pid (its handshake with the primary still under
// way) lists i as a replica of no one ("slave -") until i's next periodic
// ping, which may be node-timeout/2 away.
func (f *former) confirmReplica(ctx context.Context, c *redis.Client, i int, n *Node, pid string) error {
	id := f.ids[i]
	pending := map[int]time.Time{} // node -> last meet
	for j := range f.nodes {
		if j != i {
			pending[j] = time.Now()
		}
	}
	deadline := time.Now().Add(formMeetTimeout)
	for len(pending) > 0 {
		for j, met := range pending {
			view, err := f.nodes[j].ClusterNodes(ctx)
			if err == nil && seesReplica(view, id, pid) {
				delete(pending, j)
				continue
			}
			if time.Since(met) >= formRemeetAfter {
				if err := run(ctx, c, n, "CLUSTER", "MEET", f.nodes[j].IP(), strconv.Itoa(RedisPort)); err != nil {
					return fmt.Errorf("form cluster: %w", err)
				}
				pending[j] = time.Now()
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("form cluster: %d nodes do not see %s as a replica of %s within %s", len(pending), n.Name(), pid, formMeetTimeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("form cluster: %w", ctx.Err())
		case <-time.After(formRetryInterval):
		}
	}
	return nil
}

// seesReplica reports whether view lists node id as a replica of pid.
func seesReplica(view []ClusterNode, id, pid string) bool {
	for _, cn := range view {
		if cn.ID == id {
			return cn.Has("slave") && cn.MasterID == pid && !cn.Has("handshake")
		}
	}
	return false
}

// replicate makes n a replica of the node with cluster id pid, asking
// again while n does not know that node yet (its handshake is under way).
func (f *former) replicate(ctx context.Context, c *redis.Client, n *Node, pid string) error {
	deadline := time.Now().Add(formMeetTimeout)
	for {
		err := c.Do(ctx, "CLUSTER", "REPLICATE", pid).Err()
		if err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "Unknown node") || time.Now().After(deadline) {
			return fmt.Errorf("form cluster: CLUSTER REPLICATE on %s: %w", n.Name(), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("form cluster: %w", ctx.Err())
		case <-time.After(formRetryInterval):
		}
	}
}

// run runs one command on a node through c and returns its error.
func run(ctx context.Context, c *redis.Client, n *Node, args ...string) error {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	if err := c.Do(ctx, a...).Err(); err != nil {
		return fmt.Errorf("%s on %s: %w", args[0]+" "+args[min(1, len(args)-1)], n.Name(), err)
	}
	return nil
}
