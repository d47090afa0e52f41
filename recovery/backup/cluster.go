package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

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
	raw, err := vc.ClusterNodes(ctx).Result()
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster nodes via %s: %w", via.Name(), err)
	}
	view, err := rediskit.ParseClusterNodes(raw)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	if err := rediskit.CheckSlotCoverage(view); err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: cluster not healthy: %w", err)
	}
	shards, err := dep.Shards(ctx, via)
	if err != nil {
		return Manifest{}, fmt.Errorf("cluster backup: %w", err)
	}
	idByAddr := map[string]string{}
	for _, cn := range view {
		idByAddr[cn.Addr] = cn.ID
	}
	parentID := NewID(start, "cluster-"+dep.RunID())
	children := make([]Manifest, len(shards))
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, sh := range shards {
		src, role := sh.Primary, "primary"
		if opts.FromReplica && len(sh.Replicas) > 0 {
			src, role = sh.Replicas[0], "replica"
		}
		if src == nil {
			errs[i] = fmt.Errorf("shard %d: no known source node", sh.Index)
			continue
		}
		idx := sh.Index
		meta := Meta{Node: src.Name(), NodeID: idByAddr[src.Addr()], Role: role, Slots: sh.Slots, Shard: &idx, Parent: parentID}
		wg.Add(1)
		go func() {
			defer wg.Done()
			children[i], errs[i] = LiveRDB(ctx, src.Addr(), dep.Dial, dep.Topology().Password, cat, meta)
		}()
	}
	wg.Wait()
	var firstErr error
	for i, err := range errs {
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("shard %d: %w", i, err)
		}
	}
	parent := Manifest{Kind: KindCluster, Node: "cluster-" + dep.RunID(), Topology: view, ReplOffset: -1}
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
