package form

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// Member is one Redis server of a topology as this package needs it: a
// name for messages, the address peers reach it at (IP, port
// rediskit.RedisPort) and a single-node client, which the caller closes.
type Member interface {
	Name() string
	IP() string
	Addr() string // ip:port as Redis Cluster announces it
	Client() *redis.Client
}

// Run runs one command through c on the member called name and returns
// its error, naming the command and the member.
func Run(ctx context.Context, c *redis.Client, name string, args ...string) error {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	if err := c.Do(ctx, a...).Err(); err != nil {
		return fmt.Errorf("%s on %s: %w", args[0]+" "+args[min(1, len(args)-1)], name, err)
	}
	return nil
}

// ClusterNodes reads CLUSTER NODES from m.
func ClusterNodes(ctx context.Context, m Member) ([]rediskit.ClusterNode, error) {
	c := m.Client()
	defer c.Close()
	text, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster nodes from %s: %w", m.Name(), err)
	}
	return rediskit.ParseClusterNodes(text)
}

// RedisID returns m's cluster node id (CLUSTER MYID).
func RedisID(ctx context.Context, m Member) (string, error) {
	c := m.Client()
	defer c.Close()
	id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return "", fmt.Errorf("read node id of %s: %w", m.Name(), err)
	}
	return id, nil
}

// Info returns one INFO section of m as key/value pairs.
func Info(ctx context.Context, m Member, section string) (map[string]string, error) {
	c := m.Client()
	defer c.Close()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, m.Name(), err)
	}
	return rediskit.ParseInfo(text), nil
}
