package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// ReplaceNode brings a lost shard back on a fresh node: a new container
// loaded from the shard's newest verified backup joins the cluster, the dead
// node ids are forgotten everywhere, the new node takes the orphaned slots
// and bumps its epoch, then it gets a replica again. The dead containers are
// retired, not removed: they stay until the run is cleaned up.
type ReplaceNode struct{}

// Name implements Strategy.
func (ReplaceNode) Name() string { return "replace-node" }

// Estimate implements Strategy.
func (ReplaceNode) Estimate(ctx context.Context, inc *Incident) (Estimate, error) {
	if inc.env.dep.Topology.Kind != harness.KindCluster {
		return Estimate{Why: "needs a cluster"}, nil
	}
	if inc.Kind != ShardLost {
		return Estimate{Why: "the shard still has a node to restore"}, nil
	}
	m, _, err := inc.env.shardBackup(inc.Shard)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: "fresh node from " + m.ID, LostKeys: lossVersus(inc.PreFaultKeys, m.Keys), Duration: 3 * time.Second}, nil
}

// Execute implements Strategy.
func (ReplaceNode) Execute(ctx context.Context, inc *Incident, tl *Timeline) error {
	e, dep := inc.env, inc.env.dep
	var rdbPath string
	err := tl.Do("fetch backup", func() (string, error) {
		m, p, err := e.shardBackup(inc.Shard)
		rdbPath = p
		e.noteBackup(m)
		return fmt.Sprintf("%s (%d keys, taken %s)", m.ID, m.Keys, m.Time.Format(time.TimeOnly)), err
	})
	if err != nil {
		return err
	}
	var fresh *harness.Node
	err = tl.Do("create container", func() (string, error) {
		var err error
		fresh, err = dep.CreateNode(ctx)
		if fresh == nil {
			return "", err
		}
		return fresh.Name, err
	})
	if err != nil {
		return err
	}
	if err := tl.Do("load data", func() (string, error) { return stageRDB(ctx, fresh, dep.Topology, rdbPath) }); err != nil {
		return err
	}
	if err := tl.Do("start container", func() (string, error) { return fresh.Name, startAndLoad(ctx, fresh) }); err != nil {
		return err
	}
	dead := append([]*harness.Node{inc.Failed}, inc.Replicas...)
	err = tl.Do("rejoin", func() (string, error) {
		return adoptSlots(ctx, dep, fresh, dead, inc.Slots)
	})
	if err != nil {
		return err
	}
	for _, n := range dead {
		dep.Retire(n)
	}
	return tl.Do("re-replicate", func() (string, error) { return addReplica(ctx, dep, fresh) })
}

// adoptSlots forgets the dead nodes on every live node, meets the fresh node
// into the cluster and has it claim the orphaned slots with a new epoch.
func adoptSlots(ctx context.Context, dep *harness.Deployment, fresh *harness.Node, dead []*harness.Node, slots [][2]int) (string, error) {
	deadIDs, err := deadNodeIDs(ctx, dep, dead, fresh)
	if err != nil {
		return "", err
	}
	live := liveOthers(ctx, dep, dead, fresh)
	if len(live) == 0 {
		return "", errors.New("adopt slots: no live node to join")
	}
	for _, n := range live {
		for _, id := range deadIDs {
			if err := command(ctx, n, "CLUSTER", "FORGET", id); err != nil && !strings.Contains(err.Error(), "Unknown node") {
				return "", fmt.Errorf("adopt slots: %w", err)
			}
		}
	}
	if err := command(ctx, fresh, "CLUSTER", "MEET", live[0].IP(), strconv.Itoa(harness.RedisPort)); err != nil {
		return "", fmt.Errorf("adopt slots: %w", err)
	}
	mine, err := ownSlots(ctx, fresh)
	if err != nil {
		return "", err
	}
	args := []any{"CLUSTER", "ADDSLOTSRANGE"}
	claimed := 0
	for _, r := range missingRanges(slots, mine) {
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
	if err := waitClusterOK(ctx, append(live, fresh)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s forgot %d dead ids, claimed %d slots (%d taken at load)", fresh.Name, len(deadIDs), claimed, len(mine)), nil
}

// deadNodeIDs returns the cluster ids of the dead nodes as a live node sees
// them (by address).
func deadNodeIDs(ctx context.Context, dep *harness.Deployment, dead []*harness.Node, fresh *harness.Node) ([]string, error) {
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
		for _, cn := range view {
			if addrs[cn.Addr] {
				ids = append(ids, cn.ID)
			}
		}
		return ids, nil
	}
	return nil, errors.New("find dead node ids: no live node answers")
}

func liveOthers(ctx context.Context, dep *harness.Deployment, dead []*harness.Node, fresh *harness.Node) []*harness.Node {
	skip := map[*harness.Node]bool{fresh: true}
	for _, n := range dead {
		skip[n] = true
	}
	var out []*harness.Node
	for _, n := range dep.Nodes() {
		if !skip[n] && pingQuick(ctx, n) {
			out = append(out, n)
		}
	}
	return out
}

func ownSlots(ctx context.Context, n *harness.Node) (map[int]bool, error) {
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
func waitClusterOK(ctx context.Context, nodes []*harness.Node) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		bad := ""
		for _, n := range nodes {
			c := n.Client()
			text, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil || harness.ParseInfo(text)["cluster_state"] != "ok" {
				bad = n.Name
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

// addReplica starts one more fresh node and makes it a replica of primary,
// waiting until its link is up.
func addReplica(ctx context.Context, dep *harness.Deployment, primary *harness.Node) (string, error) {
	r, err := dep.AddNode(ctx)
	if err != nil {
		return "", err
	}
	if err := r.WaitPing(ctx); err != nil {
		return "", err
	}
	if err := command(ctx, r, "CLUSTER", "MEET", primary.IP(), strconv.Itoa(harness.RedisPort)); err != nil {
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
			return "", fmt.Errorf("make %s a replica: %w", r.Name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	for {
		info, err := r.Info(wctx, "replication")
		if err == nil && info["master_link_status"] == "up" {
			return r.Name + " replicates " + primary.Name, nil
		}
		select {
		case <-wctx.Done():
			return "", fmt.Errorf("wait for %s to sync: %w", r.Name, wctx.Err())
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
