package harness

import (
	"context"
	"time"
)

// RedisVersion returns the node's redis_version (INFO server), or "" when
// the node does not answer.
func (n *Node) RedisVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := n.Info(ctx, "server")
	if err != nil {
		return ""
	}
	return info["redis_version"]
}
