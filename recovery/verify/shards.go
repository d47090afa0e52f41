package verify

import (
	"fmt"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// shard is one primary and its replicas as the reference view shows them.
type shard struct {
	Slots    [][2]int
	Primary  deploy.Node // nil when the primary is not a live deployment node
	PrimID   string
	Replicas []deploy.Node
}

// referenceView picks the view to build shards from: a reachable node with
// cluster_state ok when there is one, else any reachable node's view.
func referenceView(facts []nodeFacts) ([]deploy.ClusterNode, string) {
	var fallback []deploy.ClusterNode
	name := ""
	for _, f := range facts {
		if f.err != nil || f.viewErr != nil || f.view == nil {
			continue
		}
		if f.clusterState == "ok" {
			return f.view, f.node.Name()
		}
		if fallback == nil {
			fallback, name = f.view, f.node.Name()
		}
	}
	return fallback, name
}

// clusterShards builds shards from a view: every non-failed primary that
// serves slots, with its non-failed replicas.
func clusterShards(view []deploy.ClusterNode, nodes map[string]deploy.Node) []shard {
	var out []shard
	idx := map[string]int{}
	for _, cn := range view {
		if cn.IsPrimary() && len(cn.Slots) > 0 && !cn.Has("fail") {
			idx[cn.ID] = len(out)
			out = append(out, shard{Slots: cn.Slots, Primary: nodes[cn.Addr], PrimID: cn.ID})
		}
	}
	for _, cn := range view {
		if i, ok := idx[cn.MasterID]; ok && !cn.Has("fail") && nodes[cn.Addr] != nil {
			out[i].Replicas = append(out[i].Replicas, nodes[cn.Addr])
		}
	}
	return out
}

// replicatedShard returns the single shard of a standalone or replicated
// deployment: the reachable node in the primary role (the deployment's
// recorded primary when several claim it) and the replicas following it.
func replicatedShard(facts []nodeFacts, recorded deploy.Node) (shard, error) {
	var primaries []deploy.Node
	for _, f := range facts {
		if f.err == nil && f.repl["role"] == "master" {
			primaries = append(primaries, f.node)
		}
	}
	var p deploy.Node
	switch {
	case len(primaries) == 0:
		return shard{}, fmt.Errorf("find primary: no reachable node is a primary")
	case len(primaries) == 1:
		p = primaries[0]
	default:
		for _, n := range primaries {
			if n == recorded {
				p = n
			}
		}
		if p == nil {
			p = primaries[0]
		}
	}
	s := shard{Slots: [][2]int{{0, rediskit.TotalSlots - 1}}, Primary: p, PrimID: p.Name()}
	for _, f := range facts {
		if f.err == nil && f.repl["role"] == "slave" && f.repl["master_host"] == p.IP() {
			s.Replicas = append(s.Replicas, f.node)
		}
	}
	return s, nil
}

// containsSlot reports whether ranges include slot.
func containsSlot(ranges [][2]int, slot int) bool {
	for _, r := range ranges {
		if slot >= r[0] && slot <= r[1] {
			return true
		}
	}
	return false
}

// slotsString renders ranges like "0-5460 10923-16383".
func slotsString(ranges [][2]int) string {
	s := ""
	for i, r := range ranges {
		if i > 0 {
			s += " "
		}
		if r[0] == r[1] {
			s += fmt.Sprint(r[0])
		} else {
			s += fmt.Sprintf("%d-%d", r[0], r[1])
		}
	}
	return s
}
