package recovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ReplaceNode brings a lost shard back on a fresh node: the engine's warm
// spare, or a node started empty on demand, loads the shard's newest
// verified backup without a restart (DEBUG RELOAD), the dead node ids are
// forgotten everywhere, the node takes the orphaned slots and bumps its
// epoch, then it gets a replica again (see replaceShard). The dead
// containers are retired, not removed: they stay until the run is cleaned
// up.
type ReplaceNode struct{}

// Name implements Strategy.
func (ReplaceNode) Name() string { return "replace-node" }

// Estimate implements Strategy.
func (ReplaceNode) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if env.Deployment().Topology().Kind != rediskit.KindCluster {
		return Estimate{Why: "needs a cluster"}, nil
	}
	if inc.Kind != ShardLost {
		return Estimate{Why: "the shard still has a node to restore"}, nil
	}
	m, _, err := env.shardBackup(inc.Shard)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	how, took := "fresh node from ", 3*time.Second
	if spare := env.spareNow(); spare != nil {
		how, took = "warm spare "+spare.Name()+" from ", time.Second
	}
	return Estimate{Applicable: true, Why: how + m.ID, LostKeys: lossVersus(inc.PreFaultKeys, m.Keys), Duration: took}, nil
}

// Execute implements Strategy.
func (ReplaceNode) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	e := env
	var rdbPath string
	fetch := func() (string, error) {
		m, p, why, err := e.restoreSource(ctx, inc)
		rdbPath = p
		e.noteBackup(m)
		return backupDetail(m, why), err
	}
	return e.replaceShard(ctx, inc, tl, fetch, func(ctx context.Context, n deploy.Node) (string, error) {
		return loadIntoSpare(ctx, n, rdbPath)
	})
}

// adoptSlots forgets the dead nodes on every live node, meets the fresh node
// into the cluster and has it claim the orphaned slots with a new epoch.
// known are the dead nodes' ids as the engine last saw them; the ids found
// by address in a live node's view are added to them. spares are warm
// spares still waiting: slotless members that saw the dead nodes fail, so
// they forget them too (one enlisted later would otherwise keep listing
// them, and gossip them back once the others' forget ban ran out).
func adoptSlots(ctx context.Context, dep deploy.Deployment, fresh deploy.Node, dead []deploy.Node, known []string, slots [][2]int, spares []deploy.Node) (string, error) {
	freshID, err := fresh.RedisID(ctx)
	if err != nil {
		return "", err
	}
	found, err := deadNodeIDs(ctx, dep, dead, fresh)
	if err != nil {
		return "", err
	}
	// A node started on demand may have been given a dead node's address,
	// and it is a member already: it is never among the ids forgotten.
	var deadIDs []string
	for _, id := range append(found, known...) {
		if id != freshID && !slices.Contains(deadIDs, id) {
			deadIDs = append(deadIDs, id)
		}
	}
	live := liveOthers(ctx, dep, dead, fresh)
	if len(live) == 0 {
		return "", errors.New("adopt slots: no live node to join")
	}
	for _, n := range append(append([]deploy.Node{fresh}, live...), spares...) {
		for _, id := range deadIDs {
			if err := command(ctx, n, "CLUSTER", "FORGET", id); err != nil && !strings.Contains(err.Error(), "Unknown node") {
				return "", fmt.Errorf("adopt slots: %w", err)
			}
		}
	}
	// Every live node meets the fresh one itself (no waiting for gossip),
	// then learns the new owner of the slots directly with SETSLOT NODE.
	for _, n := range live {
		if knows(ctx, n, freshID) {
			continue // a warm spare is a member already
		}
		if err := command(ctx, n, "CLUSTER", "MEET", fresh.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
			return "", fmt.Errorf("adopt slots: %w", err)
		}
	}
	if err := waitKnown(ctx, live, freshID); err != nil {
		return "", err
	}
	// The fresh node learns the other shards' owners from their pings only
	// within node-timeout/2; copy a live primary's slot map into it instead.
	if err := copySlotMap(ctx, fresh, live, slots); err != nil {
		return "", err
	}
	mine, err := ownSlots(ctx, fresh)
	if err != nil {
		return "", err
	}
	missing := missingRanges(slots, mine)
	args := []any{"CLUSTER", "ADDSLOTSRANGE"}
	claimed := 0
	for _, r := range missing {
		args = append(args, r[0], r[1])
		claimed += r[1] - r[0] + 1
	}
	if claimed > 0 {
		if err := command(ctx, fresh, args...); err != nil {
			return "", fmt.Errorf("adopt slots: %w", err)
		}
	}
	if err := command(ctx, fresh, "CLUSTER", "BUMPEPOCH"); err != nil {
		return "", fmt.Errorf("adopt slots: %w", err)
	}
	announce(ctx, fresh, live)
	told := "told every primary"
	if setSlotWaitsForReplicas(dep) {
		// One blocking SETSLOT per slot (5461 for a third of the slots)
		// would take seconds; the fresh node's bumped epoch carries its
		// claim to every node through the cluster bus instead.
		told = "left the slot map to gossip (SETSLOT waits for replicas on Valkey 8+)"
	} else {
		for _, n := range live {
			if info, err := n.Info(ctx, "replication"); err != nil || info["role"] != "master" {
				continue // SETSLOT is for primaries; replicas follow theirs
			}
			if err := setSlotsOwner(ctx, n, slots, freshID); err != nil {
				return "", err
			}
		}
	}
	if err := waitClusterOK(ctx, append(live, fresh)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s forgot %d dead ids, claimed %d slots (%d taken at load), %s, announced its claim to %d nodes", fresh.Name(), len(deadIDs), claimed, len(mine), told, len(live)), nil
}

// announce has fresh meet every live node once more after its claim: a
// MEET from a node the receiver knows already makes it take the sender's
// header (slots and config epoch) at once, as a ping would, so replicas
// (which SETSLOT cannot reach) and, on Valkey 8+, primaries learn the new
// owner now rather than at the next gossip round; a client that reloads its
// slot map from any of them gets the new owner. Best effort: gossip
// carries the claim anyway.
func announce(ctx context.Context, fresh deploy.Node, live []deploy.Node) {
	for _, n := range live {
		_ = command(ctx, fresh, "CLUSTER", "MEET", n.IP(), strconv.Itoa(rediskit.RedisPort))
	}
}

// deadNodeIDs returns the cluster ids of the dead nodes as a live node sees
// them (by address).
func deadNodeIDs(ctx context.Context, dep deploy.Deployment, dead []deploy.Node, fresh deploy.Node) ([]string, error) {
	addrs := map[string]bool{}
	for _, n := range dead {
		addrs[n.Addr()] = true
	}
	for _, n := range liveOthers(ctx, dep, dead, fresh) {
		view, err := n.ClusterNodes(ctx)
		if err != nil {
			continue
		}
		var ids []string
		gone := map[string]bool{}
		for _, cn := range view {
			if addrs[cn.Addr] {
				ids = append(ids, cn.ID)
				gone[cn.ID] = true
			}
		}
		// A replica of a lost primary that the incident did not list (its
		// death not yet seen when the shard was classified) is forgotten too
		// when it does not answer: left in the view it keeps the cluster at
		// one node too many, and it would resurrect an old replica link.
		byAddr := map[string]deploy.Node{}
		for _, an := range dep.AllNodes() {
			byAddr[an.Addr()] = an
		}
		for _, cn := range view {
			if gone[cn.ID] || !gone[cn.MasterID] {
				continue
			}
			if hn, ok := byAddr[cn.Addr]; !ok || !pingQuick(ctx, hn) {
				ids = append(ids, cn.ID)
			}
		}
		return ids, nil
	}
	return nil, errors.New("find dead node ids: no live node answers")
}

func liveOthers(ctx context.Context, dep deploy.Deployment, dead []deploy.Node, fresh deploy.Node) []deploy.Node {
	skip := map[deploy.Node]bool{fresh: true}
	for _, n := range dead {
		skip[n] = true
	}
	var out []deploy.Node
	for _, n := range dep.Nodes() {
		if !skip[n] && pingQuick(ctx, n) {
			out = append(out, n)
		}
	}
	return out
}

func ownSlots(ctx context.Context, n deploy.Node) (map[int]bool, error) {
	view, err := n.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	mine := map[int]bool{}
	for _, cn := range view {
		if !cn.Has("myself") {
			continue
		}
		for _, r := range cn.Slots {
			for s := r[0]; s <= r[1]; s++ {
				mine[s] = true
			}
		}
	}
	return mine, nil
}

// waitClusterOK waits until every given node reports cluster_state ok.
func waitClusterOK(ctx context.Context, nodes []deploy.Node) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		bad := ""
		for _, n := range nodes {
			c := n.Client()
			text, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil || rediskit.ParseInfo(text)["cluster_state"] != "ok" {
				bad = n.Name()
				break
			}
		}
		if bad == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for cluster_state ok on %s: %w", bad, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// addReplica makes a new member, from machine, a replica of primary, and
// waits until its link is up.
func addReplica(ctx context.Context, machine func(context.Context) (deploy.Node, error), primary deploy.Node) (string, error) {
	r, err := machine(ctx)
	if err != nil {
		return "", err
	}
	if err := r.WaitPing(ctx); err != nil {
		return "", err
	}
	if err := command(ctx, r, "CLUSTER", "MEET", primary.IP(), strconv.Itoa(rediskit.RedisPort)); err != nil {
		return "", err
	}
	id, err := primary.RedisID(ctx)
	if err != nil {
		return "", err
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		err := command(wctx, r, "CLUSTER", "REPLICATE", id)
		if err == nil {
			break
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("make %s a replica: %w", r.Name(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	for {
		info, err := r.Info(wctx, "replication")
		if err == nil && info["master_link_status"] == "up" {
			return r.Name() + " replicates " + primary.Name(), nil
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("wait for %s to sync: %w", r.Name(), wctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// missingRanges returns the parts of ranges whose slots are not in have.
func missingRanges(ranges [][2]int, have map[int]bool) [][2]int {
	var out [][2]int
	for _, r := range ranges {
		start := -1
		for s := r[0]; s <= r[1]+1; s++ {
			missing := s <= r[1] && !have[s]
			switch {
			case missing && start < 0:
				start = s
			case !missing && start >= 0:
				out = append(out, [2]int{start, s - 1})
				start = -1
			}
		}
	}
	return out
}

// ensureKnown waits until n knows the node id; if the handshake the other
// side started has not landed within 3 s, n meets it itself and waits again.
func ensureKnown(ctx context.Context, n deploy.Node, id, addr string) error {
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	err := waitKnown(wctx, []deploy.Node{n}, id)
	cancel()
	if err == nil {
		return nil
	}
	host, port, serr := net.SplitHostPort(addr)
	if serr != nil {
		return fmt.Errorf("meet %s: bad address %q", id, addr)
	}
	if err := command(ctx, n, "CLUSTER", "MEET", host, port); err != nil {
		return fmt.Errorf("meet %s from %s: %w", id, n.Name(), err)
	}
	return waitKnown(ctx, []deploy.Node{n}, id)
}

// waitKnown waits until every node lists id as a known node (handshake
// done).
func waitKnown(ctx context.Context, nodes []deploy.Node, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, n := range nodes {
		for {
			view, err := n.ClusterNodes(ctx)
			known := false
			for _, cn := range view {
				if cn.ID == id && !cn.Has("handshake") {
					known = true
				}
			}
			if err == nil && known {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for %s to know %s: %w", n.Name(), id, ctx.Err())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

// setSlotsOwner tells n that id owns the given slots (CLUSTER SETSLOT …
// NODE, pipelined), so it need not wait for the owner's next ping.
// setSlotWaitsForReplicas reports whether the deployment's primaries block
// each CLUSTER SETSLOT until their replicas have applied it: Valkey 8.0
// and later replicate SETSLOT before executing it and block the client for
// the replicas' ack (valkey src/cluster_legacy.c, clusterCommandSetSlot,
// tag 8.0.1: "Force-replicate the command to all of our replicas first and
// only on success will we handle the command"). Redis does not.
func setSlotWaitsForReplicas(dep deploy.Deployment) bool {
	product, version := dep.Server()
	if product != "valkey" {
		return false
	}
	major, _, _ := strings.Cut(version, ".")
	m, err := strconv.Atoi(major)
	return err != nil || m >= 8 // an unknown Valkey version is taken as current
}

func setSlotsOwner(ctx context.Context, n deploy.Node, ranges [][2]int, id string) error {
	c := n.Client()
	defer c.Close()
	pipe := c.Pipeline()
	for _, r := range ranges {
		for s := r[0]; s <= r[1]; s++ {
			pipe.Do(ctx, "CLUSTER", "SETSLOT", s, "NODE", id)
		}
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		for _, c := range cmds {
			if c.Err() != nil {
				return fmt.Errorf("set slot owner on %s: %w", n.Name(), c.Err())
			}
		}
	}
	return nil
}

// copySlotMap gives fresh the owner of every slot outside skip as a live
// primary sees it (CLUSTER SETSLOT … NODE on fresh, pipelined), once fresh
// knows those owners.
func copySlotMap(ctx context.Context, fresh deploy.Node, live []deploy.Node, skip [][2]int) error {
	var view []deploy.ClusterNode
	for _, n := range live {
		if info, err := n.Info(ctx, "replication"); err != nil || info["role"] != "master" {
			continue // a primary's view of the slot map is authoritative
		}
		if v, err := n.ClusterNodes(ctx); err == nil {
			view = v
			break
		}
	}
	if view == nil {
		return errors.New("copy slot map: no live node answers")
	}
	orphan := map[int]bool{}
	for _, r := range skip {
		for s := r[0]; s <= r[1]; s++ {
			orphan[s] = true
		}
	}
	owners := map[string][][2]int{}
	addrs := map[string]string{}
	freshID, _ := fresh.RedisID(ctx)
	for _, cn := range view {
		if !cn.IsPrimary() || len(cn.Slots) == 0 || cn.ID == freshID ||
			cn.Has("fail") || cn.Has("fail?") || cn.Has("noaddr") || cn.Has("handshake") || strings.HasPrefix(cn.Addr, ":") {
			continue // only live owners with an address are copied
		}
		owners[cn.ID], addrs[cn.ID] = cn.Slots, cn.Addr
	}
	for id := range owners {
		if err := ensureKnown(ctx, fresh, id, addrs[id]); err != nil {
			return err
		}
	}
	c := fresh.Client()
	defer c.Close()
	pipe := c.Pipeline()
	for id, ranges := range owners {
		for _, r := range ranges {
			for s := r[0]; s <= r[1]; s++ {
				if !orphan[s] {
					pipe.Do(ctx, "CLUSTER", "SETSLOT", s, "NODE", id)
				}
			}
		}
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		for _, cmd := range cmds {
			if cmd.Err() != nil {
				return fmt.Errorf("copy slot map to %s: %w", fresh.Name(), cmd.Err())
			}
		}
	}
	return nil
}

// knows reports whether n lists id as a node out of handshake.
func knows(ctx context.Context, n deploy.Node, id string) bool {
	view, err := n.ClusterNodes(ctx)
	if err != nil {
		return false
	}
	for _, cn := range view {
		if cn.ID == id && !cn.Has("handshake") {
			return true
		}
	}
	return false
}
