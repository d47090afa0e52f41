package recovery

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// clusterBackup returns the newest verified cluster backup and its shard
// backups.
func (e *Engine) clusterBackup() (backup.Manifest, []backup.Manifest, error) {
	cat, err := e.Catalog()
	if err != nil {
		return backup.Manifest{}, nil, err
	}
	kind := backup.KindCluster
	if e.Deployment().Topology().Kind != rediskit.KindCluster {
		kind = backup.KindLiveRDB
	}
	m, err := cat.NewestVerified(func(m backup.Manifest) bool { return m.Kind == kind })
	if err != nil {
		return m, nil, fmt.Errorf("find cluster backup: %w", err)
	}
	if kind == backup.KindLiveRDB {
		return m, []backup.Manifest{m}, nil
	}
	var children []backup.Manifest
	for _, id := range m.Children {
		c, err := cat.Get(id)
		if err != nil {
			return m, nil, fmt.Errorf("read shard backup %s: %w", id, err)
		}
		children = append(children, c)
	}
	return m, children, nil
}

// matchShards maps each pre-fault primary to the RDB of the shard backup
// whose slots it served.
func (e *Engine) matchShards(children []backup.Manifest) (map[deploy.Node]string, error) {
	cat, err := e.Catalog()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	shards := e.shards
	e.mu.Unlock()
	out := map[deploy.Node]string{}
	for _, s := range shards {
		for _, c := range children {
			if len(c.Slots) > 0 && len(s.Slots) > 0 && c.Slots[0] == s.Slots[0] || e.Deployment().Topology().Kind != rediskit.KindCluster {
				out[s.Primary] = filepath.Join(cat.Path(c.ID), backup.RDBFileName)
			}
		}
		if _, ok := out[s.Primary]; !ok {
			return nil, fmt.Errorf("match backup to shard %d: no shard backup covers slot %d", s.Index, s.Slots[0][0])
		}
	}
	return out, nil
}

// hasNodesConf reports whether the node's data dir holds a nodes.conf
// (read through the Docker API, which works on a stopped node).
func hasNodesConf(ctx context.Context, n deploy.Node) bool {
	_, err := n.ReadFile(ctx, n.DataDir()+"/"+rediskit.NodesConfName)
	return err == nil
}

// forEach runs f on every node concurrently and joins the errors.
func forEach(nodes []deploy.Node, f func(deploy.Node) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
