package backup

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
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
	raw, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster nodes via %s: %w", opts.Addr, err)
	}
	view, err := rediskit.ParseClusterNodes(raw)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	if err := rediskit.CheckSlotCoverage(view); err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster not healthy: %w", err)
	}
	var primaries []deploy.ClusterNode
	for _, cn := range view {
		if cn.IsPrimary() && !cn.Has("fail") && len(cn.Slots) > 0 {
			primaries = append(primaries, cn)
		}
	}
	parentID := NewID(start, "cluster-"+opts.Addr)
	children := make([]Manifest, len(primaries))
	errs := make([]error, len(primaries))
	var wg sync.WaitGroup
	for i, cn := range primaries {
		idx := i
		meta := Meta{Node: cn.Addr, NodeID: cn.ID, Role: "primary", Slots: cn.Slots, Shard: &idx, Parent: parentID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			children[i], errs[i] = LiveRDBNode(ctx, cn.Addr, opts.node(), cat, meta)
		}()
	}
	wg.Wait()
	var firstErr error
	for i, err := range errs {
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("shard %d (%s): %w", i, primaries[i].Addr, err)
		}
	}
	parent := Manifest{Kind: KindCluster, Node: "cluster-" + opts.Addr, Addr: opts.Addr, Topology: view, ReplOffset: -1}
	return commitCluster(cat, parentID, parent, children, firstErr, raw, start)
}
