package harness

import (
	"context"
	"net"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Engine returns the deployment as the recovery engine sees it (its
// seam, package deploy): the Docker provider.
func (dep *Deployment) Engine() deploy.Deployment { return engineView{dep} }

// AsNode returns the harness node behind an engine node (nil for a node
// of another provider).
func AsNode(n deploy.Node) *Node {
	hn, _ := n.(*Node)
	return hn
}

// EngineNodes converts harness nodes to engine nodes.
func EngineNodes(nodes []*Node) []deploy.Node {
	out := make([]deploy.Node, len(nodes))
	for i, n := range nodes {
		out[i] = n
	}
	return out
}

// engineView adapts a Deployment to deploy.Deployment: the engine's
// slices and results are of the interface type.
type engineView struct{ dep *Deployment }

var (
	_ deploy.Node           = (*Node)(nil)
	_ deploy.Deployment     = engineView{}
	_ deploy.MachineWatcher = engineView{}
	_ deploy.SentinelGroup  = engineView{}
)

// MasterName is the name the deployment's Sentinels monitor its primary
// under; SentinelAddrs their addresses (none unless it is a sentinel
// topology).
func (v engineView) MasterName() string      { return SentinelMaster }
func (v engineView) SentinelAddrs() []string { return v.dep.SentinelAddrs() }

// SentinelNodes returns the Sentinels' machines, for the faults that must
// put them on one side of a network split (fault.SentinelMachines).
func (v engineView) SentinelNodes() []deploy.Node { return EngineNodes(v.dep.Sentinels()) }

func (v engineView) RunID() string             { return v.dep.RunID }
func (v engineView) Topology() deploy.Topology { return v.dep.Topology }
func (v engineView) Server() (product, version string) {
	return v.dep.Server.Product, v.dep.ServerVersion
}
func (v engineView) Nodes() []deploy.Node    { return EngineNodes(v.dep.Nodes()) }
func (v engineView) AllNodes() []deploy.Node { return EngineNodes(v.dep.AllNodes()) }
func (v engineView) NodeByName(name string) (deploy.Node, bool) {
	n, ok := v.dep.NodeByName(name)
	if !ok {
		return nil, false
	}
	return n, true
}
func (v engineView) IsMember(n deploy.Node) bool { return v.dep.IsMember(AsNode(n)) }
func (v engineView) Retire(n deploy.Node)        { v.dep.Retire(AsNode(n)) }
func (v engineView) Enlist(n deploy.Node)        { v.dep.Enlist(AsNode(n)) }
func (v engineView) Primary() deploy.Node {
	if p := v.dep.Primary(); p != nil {
		return p
	}
	return nil
}
func (v engineView) SetPrimary(n deploy.Node) { v.dep.SetPrimary(AsNode(n)) }
func (v engineView) Shards(ctx context.Context, via deploy.Node) ([]deploy.Shard, error) {
	view, err := via.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	return v.ShardsOf(view), nil
}
func (v engineView) ShardsOf(view []deploy.ClusterNode) []deploy.Shard {
	return rediskit.ShardsOf(v.Nodes(), view)
}
func (v engineView) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return v.dep.dialer.DialContext(ctx, network, addr)
}
func (v engineView) AddNode(ctx context.Context) (deploy.Node, error) {
	n, err := v.dep.AddNode(ctx)
	if n == nil {
		return nil, err
	}
	return n, err
}
func (v engineView) AddSpare(ctx context.Context) (deploy.Node, error) {
	n, err := v.dep.AddSpare(ctx)
	if n == nil {
		return nil, err
	}
	return n, err
}
func (v engineView) ScratchKeys(ctx context.Context, hostDir string, aof bool) (int64, error) {
	return v.dep.ScratchKeys(ctx, hostDir, aof)
}
func (v engineView) ScratchRDB(ctx context.Context, hostDir string, aof bool, rdbOut string) (int64, error) {
	return v.dep.ScratchRDB(ctx, hostDir, aof, rdbOut)
}
