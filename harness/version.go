package harness

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// RedisVersion returns the node's redis_version (INFO server), or "" when
// the node does not answer. Valkey keeps reporting a redis_version for
// compatibility; ServerVersion gives its own.
func (n *Node) RedisVersion() string {
	info := n.serverInfo()
	return info["redis_version"]
}

// ServerVersion returns the node's product and version as INFO server
// reports them: ("valkey", valkey_version) on Valkey, ("redis",
// redis_version) otherwise; empty strings when the node does not answer.
func (n *Node) ServerVersion() (product, version string) {
	return rediskit.ServerVersionOf(n.serverInfo())
}

func (n *Node) serverInfo() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := n.Info(ctx, "server")
	if err != nil {
		return nil
	}
	return info
}
