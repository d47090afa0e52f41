package harness

import (
	"context"
	"net"

	"github.com/redisdrill/redisdrill/internal/form"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Shards returns the shards as the given node sees them (CLUSTER NODES), with
// node ids mapped to the deployment's nodes by address. Shards are ordered by
// their lowest slot, so "shard 0" is stable across failovers.
func (dep *Deployment) Shards(ctx context.Context, via *Node) ([]Shard, error) {
	view, err := via.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	return dep.ShardsOf(view), nil
}

// ShardsOf returns the shards of an already read CLUSTER NODES view (see
// Shards).
func (dep *Deployment) ShardsOf(view []ClusterNode) []Shard {
	return rediskit.ShardsOf(dep.Nodes(), view)
}

// ClusterNodes returns CLUSTER NODES as seen by this node.
func (n *Node) ClusterNodes(ctx context.Context) ([]ClusterNode, error) {
	return form.ClusterNodes(ctx, n)
}

// RedisID returns the node's cluster node id (CLUSTER MYID).
func (n *Node) RedisID(ctx context.Context) (string, error) { return form.RedisID(ctx, n) }

// Info returns one INFO section as key/value pairs.
func (n *Node) Info(ctx context.Context, section string) (map[string]string, error) {
	return form.Info(ctx, n, section)
}

// hostOf returns the host part of ip:port.
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// LiveShards returns the shards as the first node that answers sees them.
func (dep *Deployment) LiveShards(ctx context.Context) ([]Shard, error) {
	return rediskit.FirstShards(ctx, dep.Nodes(), dep.Shards)
}
