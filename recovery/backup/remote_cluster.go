package backup

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/remote"
)

// RemoteClusterOptions say how to reach a Redis Cluster that is not a
// harness deployment.
type RemoteClusterOptions struct {
	// Addr is any reachable node of the cluster ("host:port").
	Addr string
	// Username is the ACL user sent with AUTH (with Password) to every
	// node; empty for the default user.
	Username string
	// Password is sent with AUTH to every node; empty for none.
	Password string
	// TLS, when non-nil, makes every connection — the CLUSTER NODES query
	// and each shard's replication connection — TLS with this
	// configuration; a node reached by IP is checked against that IP unless
	// ServerName is set (remote.ConfigFor).
	TLS *tls.Config
	// Dial connects to a node; nil uses net.Dialer. With TLS the handshake
	// runs over the connection it returns.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// node is how each shard's live backup connects.
func (o RemoteClusterOptions) node() NodeOptions {
	return NodeOptions{Dial: o.Dial, Username: o.Username, Password: o.Password, TLS: o.TLS}
}

// ClusterBackupAddr is ClusterBackup for any reachable Redis Cluster: it
// reads CLUSTER NODES from opts.Addr, requires every slot to be served,
// takes one live RDB per primary in parallel and writes a parent backup
// with the topology. If any shard fails, the shard backups already written
// are removed and no parent is written.
func ClusterBackupAddr(ctx context.Context, cat *Catalog, opts RemoteClusterOptions) (Manifest, error) {
	if cat == nil || opts.Addr == "" {
		return Manifest{}, fmt.Errorf("cluster backup: nil catalog or empty address")
	}
	start := time.Now()
	var dial remote.DialFunc
	if opts.Dial != nil || opts.TLS != nil {
		dial = remote.Dialer(opts.Dial, opts.TLS)
	}
	c := redis.NewClient(&redis.Options{
		Addr: opts.Addr, Username: opts.Username, Password: opts.Password, Dialer: dial,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, MaxRetries: -1,
		Protocol: 2, DisableIdentity: true,
	})
	defer c.Close()
	raw, view, err := healthyView(ctx, c, opts.Addr)
	if err != nil {
		return Manifest{}, err
	}
	var addrs []addrNode
	for _, cn := range view {
		addrs = append(addrs, addrNode(cn.Addr))
	}
	var sources []shardSource
	for _, sh := range rediskit.ShardsOf(addrs, view) {
		sources = append(sources, shardSource{addr: string(sh.Primary), node: string(sh.Primary), role: "primary", slots: sh.Slots, shard: sh.Index})
	}
	parent := Manifest{Kind: KindCluster, Node: "cluster-" + opts.Addr, Addr: opts.Addr, Topology: view, ReplOffset: -1}
	return backupShards(ctx, cat, raw, view, sources, opts.node(), parent, start)
}

// addrNode is a cluster node known only by its address.
type addrNode string

// Addr implements rediskit.Addressed.
func (a addrNode) Addr() string { return string(a) }
