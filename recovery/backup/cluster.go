package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ClusterNodesFile holds the raw CLUSTER NODES output in a cluster backup.
const ClusterNodesFile = "cluster-nodes.txt"

// ClusterOptions tune ClusterBackupWith.
type ClusterOptions struct {
	FromReplica bool        // pull each shard's RDB from its first replica when it has one
	Via         deploy.Node // node whose view of the cluster is used; first answering node when nil
}

// ClusterBackup takes one live RDB per shard from its primary, in parallel,
// and writes a parent backup with the topology (node ids, addresses, slots,
// epochs from CLUSTER NODES) that lists them.
func ClusterBackup(ctx context.Context, dep deploy.Deployment, cat *Catalog) (Manifest, error) {
	return ClusterBackupWith(ctx, dep, cat, ClusterOptions{})
}

// ClusterBackupWith is ClusterBackup with options. If any shard fails, the
// shard backups already written are removed and no parent is written.
func ClusterBackupWith(ctx context.Context, dep deploy.Deployment, cat *Catalog, opts ClusterOptions) (Manifest, error) {
	if dep == nil || cat == nil {
		return Manifest{}, fmt.Errorf("cluster backup: nil deployment or catalog")
	}
	if dep.Topology().Kind != rediskit.KindCluster {
		return Manifest{}, fmt.Errorf("cluster backup: deployment is %s, not a cluster", dep.Topology().Kind)
	}
	start := time.Now()
	via, err := pickVia(ctx, dep, opts.Via)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	vc := via.Client()
	defer vc.Close()
	raw, view, err := healthyView(ctx, vc, via.Name())
	if err != nil {
		return Manifest{}, err
	}
	var sources []shardSource
	for _, sh := range dep.ShardsOf(view) {
		src, role := sh.Primary, "primary"
		if opts.FromReplica && len(sh.Replicas) > 0 {
			src, role = sh.Replicas[0], "replica"
		}
		if src == nil {
			sources = append(sources, shardSource{shard: sh.Index, err: fmt.Errorf("shard %d: no known source node", sh.Index)})
			continue
		}
		sources = append(sources, shardSource{addr: src.Addr(), node: src.Name(), role: role, slots: sh.Slots, shard: sh.Index})
	}
	parent := Manifest{Kind: KindCluster, Node: "cluster-" + dep.RunID(), Topology: view, ReplOffset: -1}
	node := NodeOptions{Dial: dep.Dial, Password: dep.Topology().Password}
	return backupShards(ctx, cat, raw, view, sources, node, parent, start)
}

// healthyView reads CLUSTER NODES through c (via names it in errors) and
// requires every slot to be served once.
func healthyView(ctx context.Context, c *redis.Client, via string) (string, []deploy.ClusterNode, error) {
	raw, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return "", nil, fmt.Errorf("cluster backup: cluster nodes via %s: %w", via, err)
	}
	view, err := rediskit.ParseClusterNodes(raw)
	if err != nil {
		return "", nil, fmt.Errorf("cluster backup: %w", err)
	}
	if err := rediskit.CheckSlotCoverage(view); err != nil {
		return "", nil, fmt.Errorf("cluster backup: cluster not healthy: %w", err)
	}
	return raw, view, nil
}

// shardSource is the node one shard's live RDB comes from (err when the
// shard has none).
type shardSource struct {
	addr, node, role string
	slots            [][2]int
	shard            int
	err              error
}

// backupShards takes one live RDB per source, in parallel, then writes
// parent (the topology raw, view) listing them; if any shard fails, the
// shard backups already written are removed and no parent is written.
func backupShards(ctx context.Context, cat *Catalog, raw string, view []deploy.ClusterNode, sources []shardSource, node NodeOptions, parent Manifest, start time.Time) (Manifest, error) {
	idByAddr := map[string]string{}
	for _, cn := range view {
		idByAddr[cn.Addr] = cn.ID
	}
	parentID := NewID(start, parent.Node)
	children := make([]Manifest, len(sources))
	errs := make([]error, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		if src.err != nil {
			errs[i] = src.err
			continue
		}
		idx := src.shard
		meta := Meta{Node: src.node, NodeID: idByAddr[src.addr], Role: src.role, Slots: src.slots, Shard: &idx, Parent: parentID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			children[i], errs[i] = LiveRDBNode(ctx, src.addr, node, cat, meta)
		}()
	}
	wg.Wait()
	var firstErr error
	for i, err := range errs {
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("shard %d (%s): %w", sources[i].shard, sources[i].addr, err)
		}
	}
	return commitCluster(cat, parentID, parent, children, firstErr, raw, start)
}

// pickVia returns the requested node or the first node that answers.
func pickVia(ctx context.Context, dep deploy.Deployment, via deploy.Node) (deploy.Node, error) {
	if via != nil {
		return via, nil
	}
	for _, n := range dep.Nodes() {
		if ping(ctx, n, time.Second) {
			return n, nil
		}
	}
	return nil, fmt.Errorf("no node answers")
}

// ping reports whether n answers PING within timeout. The client it opens
// is closed before it returns.
func ping(ctx context.Context, n deploy.Node, timeout time.Duration) bool {
	c := n.Client()
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Ping(pctx).Err() == nil
}

// commitCluster finishes a cluster backup: on a shard error it removes the
// shard backups already written; otherwise it writes the parent (topology
// file + manifest listing the shard backups) atomically.
func commitCluster(cat *Catalog, parentID string, parent Manifest, children []Manifest, firstErr error, raw string, start time.Time) (Manifest, error) {
	if firstErr != nil {
		for _, ch := range children {
			if ch.ID != "" {
				_ = cat.remove(ch.ID)
			}
		}
		return Manifest{}, fmt.Errorf("cluster backup: %w", firstErr)
	}
	for _, ch := range children {
		parent.Children = append(parent.Children, ch.ID)
		parent.Keys += ch.Keys
		parent.RedisVersion, parent.RDBVersion = ch.RedisVersion, ch.RDBVersion
	}
	p, err := cat.begin(parentID)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, ClusterNodesFile), []byte(raw), 0o644); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	if parent.Files, err = hashTree(p.dir, ClusterNodesFile); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	parent.Time, parent.DurationMS = start.UTC(), time.Since(start).Milliseconds()
	if err := p.commit(parent); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	parent.ID = parentID
	return parent, nil
}
