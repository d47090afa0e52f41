package form

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

// Options say how a Former forms its topology; the provider's choices.
type Options[N Member] struct {
	Topology rediskit.Topology
	// Listen (required) waits until n's server answers, with a context
	// bounded by ListenTimeout: the provider knows how to reach it and
	// how to tell its machine failed.
	Listen func(ctx context.Context, n N) error
	// Primary, when set, records node 0 of a replicated or Sentinel
	// topology as its primary, once it answers.
	Primary func(n N)
	// ConfirmSlots makes each cluster primary, once it met the primaries
	// before it, wait until every other node lists it as the owner of its
	// slots, meeting again a node that does not yet. A node learns a
	// primary's slots only from a packet of a primary it already knows —
	// not from the handshake that made it known — so without the second
	// meet it waits for the primary's next periodic ping, up to a second
	// or more away, and its cluster_state stays fail meanwhile. The
	// local-processes provider, whose servers answer within a few hundred
	// ms of their start, turns it on; the Docker provider's formation, as
	// tuned, leaves it off.
	ConfirmSlots bool
}

// Bounds and pace of forming: how long a node waits to learn the nodes it
// must know, how often it asks, and when it meets a node again that does
// not see it as it should yet.
const (
	meetTimeout   = 30 * time.Second
	retryInterval = 10 * time.Millisecond
	// replicaRemeetAfter is how long a replica waits for a node to see
	// its role before it meets that node again.
	replicaRemeetAfter = 250 * time.Millisecond
	// slotsRemeetAfter and slotsPollInterval pace a primary's
	// confirmation of its slots (Options.ConfirmSlots).
	slotsRemeetAfter  = 100 * time.Millisecond
	slotsPollInterval = 25 * time.Millisecond
)

// Former turns nodes into the topology while they come up, in one pass:
// each node is configured as soon as it answers (Join), and waits only
// for the nodes it has to talk to. Nodes are laid out primaries first,
// then the replicas of shard 0, shard 1, ...; Join is called once per
// position, each in its own goroutine.
//
// For a cluster (what redis-cli --cluster create does, without its
// rounds): every node takes config epoch index+1 and a primary its slots
// (CLUSTER ADDSLOTSRANGE) before it knows any other node; the primaries
// meet each other (and confirm their slots, with Options.ConfirmSlots); a
// replica meets its primary, replicates it as soon as it knows its id,
// then meets every other node and waits until each lists it as its
// primary's replica (confirmReplica). A meet of a node already known
// makes it take the sender's header again, so every node sees each
// replica as a replica right away rather than at the next periodic ping
// (Redis 7 does not broadcast the role change of CLUSTER REPLICATE). A
// primary that holds its slots within 2 s of its start turns
// cluster_state ok once coverage is complete and CLUSTER_WRITABLE_DELAY
// (2 s from its first clusterUpdateState, which cron runs from start-up)
// has passed; one that got them later counts as having been in the
// minority and waits out the rejoin delay (the node timeout, up to 5 s)
// on top. A replica loads its first sync from the socket (socketLoad).
type Former[N Member] struct {
	o     Options[N]
	nodes []N             // by position; set before ready[i] closes
	ids   []string        // cluster node ids; set before ready[i] closes
	ready []chan struct{} // closed when node i answers and (cluster) holds its epoch and slots
}

// NewFormer returns a Former of o.Topology's NodeCount nodes.
func NewFormer[N Member](o Options[N]) *Former[N] {
	count := o.Topology.NodeCount()
	f := &Former[N]{o: o, nodes: make([]N, count), ids: make([]string, count), ready: make([]chan struct{}, count)}
	for i := range f.ready {
		f.ready[i] = make(chan struct{})
	}
	return f
}

// Join waits until node n, at position i, answers (then calls
// listening), then makes it part of the topology.
func (f *Former[N]) Join(ctx context.Context, i int, n N, listening func()) error {
	lctx, cancel := context.WithTimeout(ctx, ListenTimeout)
	err := f.o.Listen(lctx, n)
	cancel()
	if err != nil {
		return err
	}
	listening()
	c := n.Client()
	defer c.Close()
	switch f.o.Topology.Kind {
	case rediskit.KindStandalone:
		f.announce(i, n, "")
		return nil
	case rediskit.KindReplicated, rediskit.KindSentinel:
		return f.joinReplicated(ctx, c, i, n)
	}
	return f.joinCluster(ctx, c, i, n)
}

// wait returns node i once it is ready, or ctx's error.
func (f *Former[N]) wait(ctx context.Context, i int) (N, error) {
	select {
	case <-f.ready[i]:
		return f.nodes[i], nil
	case <-ctx.Done():
		var zero N
		return zero, fmt.Errorf("form %s: %w", f.o.Topology, ctx.Err())
	}
}

// announce publishes node i (and its cluster id) to the nodes waiting for it.
func (f *Former[N]) announce(i int, n N, id string) {
	f.nodes[i], f.ids[i] = n, id
	close(f.ready[i])
}

// joinReplicated makes node 0 the primary and every other node its replica.
func (f *Former[N]) joinReplicated(ctx context.Context, c *redis.Client, i int, n N) error {
	f.announce(i, n, "")
	if i == 0 {
		if f.o.Primary != nil {
			f.o.Primary(n)
		}
		return nil
	}
	p, err := f.wait(ctx, 0)
	if err != nil {
		return err
	}
	restore := socketLoad(ctx, c)
	if err := Run(ctx, c, n.Name(), "REPLICAOF", p.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
		return fmt.Errorf("form replication: %w", err)
	}
	if err := restore(ctx); err != nil {
		return fmt.Errorf("form replication: %s: %w", n.Name(), err)
	}
	// Persist the role, so a restarted replica comes back a replica.
	if err := Run(ctx, c, n.Name(), "CONFIG", "REWRITE"); err != nil {
		return fmt.Errorf("form replication: %w", err)
	}
	return nil
}

// joinCluster configures node i and meets the nodes it must know.
func (f *Former[N]) joinCluster(ctx context.Context, c *redis.Client, i int, n N) error {
	primaries := f.o.Topology.Primaries
	id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return fmt.Errorf("form cluster: read node id of %s: %w", n.Name(), err)
	}
	if i < primaries {
		r := rediskit.SlotRanges(primaries)[i]
		if err := Run(ctx, c, n.Name(), "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(r[0]), strconv.Itoa(r[1])); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	if err := Run(ctx, c, n.Name(), "CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
		return fmt.Errorf("form cluster: %w", err)
	}
	f.announce(i, n, id)
	if i < primaries {
		if err := f.meet(ctx, c, n, 0, i); err != nil {
			return err
		}
		if !f.o.ConfirmSlots {
			return nil
		}
		r := rediskit.SlotRanges(primaries)[i]
		return f.confirm(ctx, c, i, n, func(view []rediskit.ClusterNode) bool { return rediskit.SeesSlots(view, id, r) },
			slotsRemeetAfter, slotsPollInterval, fmt.Sprintf("serving slots %d-%d", r[0], r[1]))
	}
	shard := (i - primaries) / max(f.o.Topology.Replicas, 1)
	if err := f.meet(ctx, c, n, shard, shard+1); err != nil {
		return err
	}
	restore := socketLoad(ctx, c)
	pid := f.ids[shard]
	if err := f.replicate(ctx, c, n, pid); err != nil {
		return err
	}
	if err := f.meet(ctx, c, n, 0, len(f.nodes), i); err != nil {
		return err
	}
	// A node that took n's header before it knew pid (its handshake with
	// the primary still under way) lists n as a replica of no one
	// ("slave -") until n's next periodic ping, which may be
	// node-timeout/2 away: confirm, meeting such a node again.
	if err := f.confirm(ctx, c, i, n, func(view []rediskit.ClusterNode) bool { return rediskit.SeesReplica(view, id, pid) },
		replicaRemeetAfter, retryInterval, "as a replica of "+pid); err != nil {
		return err
	}
	if err := restore(ctx); err != nil {
		return fmt.Errorf("form cluster: %s: %w", n.Name(), err)
	}
	return nil
}

// meet sends CLUSTER MEET from n to every node of [from, to) but skip,
// each once it is ready.
func (f *Former[N]) meet(ctx context.Context, c *redis.Client, n N, from, to int, skip ...int) error {
	for j := from; j < to; j++ {
		if slices.Contains(skip, j) {
			continue
		}
		m, err := f.wait(ctx, j)
		if err != nil {
			return err
		}
		if err := Run(ctx, c, n.Name(), "CLUSTER", "MEET", m.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
			return fmt.Errorf("form cluster: %w", err)
		}
	}
	return nil
}

// confirm waits until every node but i sees node i as it should (sees
// passes its CLUSTER NODES view), polling every poll and meeting again,
// from n through c, a node that does not yet once remeet has passed since
// it was last met. A node not ready yet is passed over until it is (it
// meets, or is met, later). what says how the nodes should see n, for
// the error when they do not within meetTimeout.
func (f *Former[N]) confirm(ctx context.Context, c *redis.Client, i int, n N, sees func([]rediskit.ClusterNode) bool,
	remeet, poll time.Duration, what string) error {
	pending := map[int]time.Time{} // node -> last meet
	for j := range f.nodes {
		if j != i {
			pending[j] = time.Now()
		}
	}
	deadline := time.Now().Add(meetTimeout)
	for len(pending) > 0 {
		for j, met := range pending {
			select {
			case <-f.ready[j]:
			default:
				continue
			}
			view, err := ClusterNodes(ctx, f.nodes[j])
			if err == nil && sees(view) {
				delete(pending, j)
				continue
			}
			if time.Since(met) >= remeet {
				if err := Run(ctx, c, n.Name(), "CLUSTER", "MEET", f.nodes[j].IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
					return fmt.Errorf("form cluster: %w", err)
				}
				pending[j] = time.Now()
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("form cluster: %d nodes do not see %s %s within %s", len(pending), n.Name(), what, meetTimeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("form cluster: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
	return nil
}

// replicate makes n a replica of the node with cluster id pid, asking
// again while n does not know that node yet (its handshake is under way).
func (f *Former[N]) replicate(ctx context.Context, c *redis.Client, n N, pid string) error {
	deadline := time.Now().Add(meetTimeout)
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
		case <-time.After(retryInterval):
		}
	}
}
