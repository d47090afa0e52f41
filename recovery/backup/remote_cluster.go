package backup

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
)

// RemoteClusterOptions say how to reach a Redis Cluster that is not a
// harness deployment.
type RemoteClusterOptions struct {
	// Addr is any reachable node of the cluster ("host:port").
	Addr string
	// Password is sent with AUTH to every node; empty for none.
	Password string
	// Dial connects to a node; nil uses net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
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
	c := redis.NewClient(&redis.Options{
		Addr: opts.Addr, Password: opts.Password, Dialer: opts.Dial,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, MaxRetries: -1,
		Protocol: 2, DisableIdentity: true,
	})
	defer c.Close()
	raw, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster nodes via %s: %w", opts.Addr, err)
	}
	view, err := harness.ParseClusterNodes(raw)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	if err := harness.CheckSlotCoverage(view); err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster not healthy: %w", err)
	}
	var primaries []harness.ClusterNode
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
			children[i], errs[i] = LiveRDB(ctx, cn.Addr, opts.Dial, opts.Password, cat, meta)
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
