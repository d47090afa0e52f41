package process

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Node is one machine of a deployment: a supervisor running one server
// process on its own loopback address, with its own folder (data dir,
// config, log) on this host.
type Node struct {
	name     string
	index    int
	ip       string
	dir      string // the node's folder
	password string
	dep      *Deployment
	sup      *supervisor
}

// Compile-time checks: a Node is a deploy.Node.
var _ deploy.Node = (*Node)(nil)

// Name returns the node's stable name.
func (n *Node) Name() string { return n.name }

// Index returns the node's position in its deployment.
func (n *Node) Index() int { return n.index }

// IP returns the node's loopback address.
func (n *Node) IP() string { return n.ip }

// Addr returns ip:port as Redis Cluster announces it.
func (n *Node) Addr() string { return net.JoinHostPort(n.ip, strconv.Itoa(rediskit.RedisPort)) }

// Dir returns the node's folder: its data dir, config and log.
func (n *Node) Dir() string { return n.dir }

// ConfPath returns the path of the node's redis.conf.
func (n *Node) ConfPath() string { return n.sup.conf }

// LogPath returns the path of the node's log.
func (n *Node) LogPath() string { return n.dir + "/" + logFileName }

// Client returns a single-node client (not cluster-aware) for this node.
func (n *Node) Client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: n.Addr(), Password: n.password,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		MaxRetries: -1, PoolSize: 4, DialerRetries: 1,
	})
}

// QuickClient returns a single-node client that gives up after d on every
// dial, read and write and honours context deadlines: for probes that
// must not hang on a frozen node.
func (n *Node) QuickClient(d time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: n.Addr(), Password: n.password,
		DialTimeout: d, ReadTimeout: d, WriteTimeout: d, ContextTimeoutEnabled: true,
		MaxRetries: -1, PoolSize: 2, DialerRetries: 1,
	})
}

// ClusterNodes reads CLUSTER NODES from the node.
func (n *Node) ClusterNodes(ctx context.Context) ([]deploy.ClusterNode, error) {
	c := n.Client()
	defer c.Close()
	text, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster nodes from %s: %w", n.Name(), err)
	}
	return rediskit.ParseClusterNodes(text)
}

// Info returns one INFO section as key/value pairs.
func (n *Node) Info(ctx context.Context, section string) (map[string]string, error) {
	c := n.Client()
	defer c.Close()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, n.Name(), err)
	}
	return rediskit.ParseInfo(text), nil
}

// RedisID returns the node's cluster node id (CLUSTER MYID).
func (n *Node) RedisID(ctx context.Context) (string, error) {
	c := n.Client()
	defer c.Close()
	id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return "", fmt.Errorf("read node id of %s: %w", n.Name(), err)
	}
	return id, nil
}

// WaitPing waits until the node answers PING after loading its data, or
// ctx ends. It returns an error as soon as the server exits with an error
// (e.g. refuses a corrupt file), whether or not its supervisor will try
// again, or goes down for good. Every attempt dials anew: a go-redis pool
// whose dials failed a few times (the server not listening yet) stops
// dialling for a second, which would delay a server that comes up right
// after.
func (n *Node) WaitPing(ctx context.Context) error {
	for {
		c := n.QuickClient(500 * time.Millisecond)
		err := c.Ping(ctx).Err()
		_ = c.Close()
		if err == nil {
			return nil
		}
		if code, failed := n.serverFailed(); failed {
			return fmt.Errorf("wait for node %s: redis-server exited with code %d", n.Name(), code)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", n.Name(), ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// serverFailed reports whether the server is down after an error exit
// (code > 0, as on a refused file) or down for good, with the exit code.
func (n *Node) serverFailed() (int, bool) {
	st := n.sup.state()
	switch {
	case !st.up:
		return st.crashed.code, st.crashed.exited
	case st.running:
		return 0, false
	}
	return st.last.code, st.last.exited && (st.last.code > 0 || !st.wantUp)
}

// ServerVersion returns the node's product and version as INFO server
// reports them; empty strings when the node does not answer.
func (n *Node) ServerVersion(ctx context.Context) (product, version string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := n.Info(ctx, "server")
	if err != nil {
		return "", ""
	}
	return rediskit.ServerVersionOf(info)
}
