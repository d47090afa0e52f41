package process

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/form"
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

// KeepsAddress reports that the node keeps its loopback address for the
// run, through every restart (deploy.AddressKeeper).
func (n *Node) KeepsAddress() bool { return true }

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
	return form.ClusterNodes(ctx, n)
}

// Info returns one INFO section as key/value pairs.
func (n *Node) Info(ctx context.Context, section string) (map[string]string, error) {
	return form.Info(ctx, n, section)
}

// RedisID returns the node's cluster node id (CLUSTER MYID).
func (n *Node) RedisID(ctx context.Context) (string, error) { return form.RedisID(ctx, n) }

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
