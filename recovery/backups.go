package recovery

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
)

// Catalog opens (once) the engine's backup catalog.
func (e *Engine) Catalog() (*backup.Catalog, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.catalog != nil {
		return e.catalog, nil
	}
	if e.opts.CatalogDir == "" {
		return nil, fmt.Errorf("open catalog: no catalog dir configured")
	}
	cat, err := backup.Open(e.opts.CatalogDir)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	e.catalog = cat
	return cat, nil
}

// TakeBackups takes one verified backup point: a live RDB per shard (plus
// the topology) and a data-dir snapshot of every primary (for node
// identity: nodes.conf). Restore strategies use the newest that verifies.
func (e *Engine) TakeBackups(ctx context.Context) error {
	cat, err := e.Catalog()
	if err != nil {
		return err
	}
	if e.dep.Topology().Kind == rediskit.KindCluster {
		if _, err := backup.ClusterBackup(ctx, e.dep, cat); err != nil {
			return fmt.Errorf("take cluster backup: %w", err)
		}
		shards, err := e.dep.Shards(ctx, e.dep.Nodes()[0])
		if err != nil {
			return err
		}
		for _, s := range shards {
			if s.Primary == nil {
				continue
			}
			idx := s.Index
			if _, err := backup.Snapshot(ctx, s.Primary, cat, backup.Meta{Node: s.Primary.Name(), NodeID: s.PrimaryID, Role: "primary", Slots: s.Slots, Shard: &idx}); err != nil {
				return fmt.Errorf("snapshot %s: %w", s.Primary.Name(), err)
			}
		}
		return nil
	}
	p := e.dep.Primary()
	zero := 0
	if _, err := backup.LiveRDB(ctx, p.Addr(), e.dep.Dial, e.dep.Topology().Password, cat,
		backup.Meta{Node: p.Name(), Role: "primary", Shard: &zero, Slots: [][2]int{{0, rediskit.TotalSlots - 1}}}); err != nil {
		return fmt.Errorf("take backup of %s: %w", p.Name(), err)
	}
	if _, err := backup.Snapshot(ctx, p, cat, backup.Meta{Node: p.Name(), Role: "primary", Shard: &zero}); err != nil {
		return fmt.Errorf("snapshot %s: %w", p.Name(), err)
	}
	return nil
}

// shardBackup returns the newest verified live RDB of a shard.
func (e *Engine) shardBackup(shard int) (backup.Manifest, string, error) {
	cat, err := e.Catalog()
	if err != nil {
		return backup.Manifest{}, "", err
	}
	var refused []string
	m, err := e.newestVerified(cat, e.loadableFilter(func(m backup.Manifest) bool {
		return m.Kind == backup.KindLiveRDB && m.Shard != nil && *m.Shard == shard
	}, &refused))
	if err != nil {
		return m, "", fmt.Errorf("find backup of shard %d: %w", shard, incompatible(refused, err))
	}
	return m, filepath.Join(cat.Path(m.ID), backup.RDBFileName), nil
}

// nodeSnapshot returns the newest verified data-dir snapshot of a node and
// the host path of its copied data dir.
func (e *Engine) nodeSnapshot(node string) (backup.Manifest, string, error) {
	cat, err := e.Catalog()
	if err != nil {
		return backup.Manifest{}, "", err
	}
	m, err := cat.NewestVerified(func(m backup.Manifest) bool {
		return m.Kind == backup.KindDataDir && m.Node == node
	})
	if err != nil {
		return m, "", fmt.Errorf("find snapshot of %s: %w", node, err)
	}
	return m, filepath.Join(cat.Path(m.ID), "data"), nil
}

// newestVerified is cat.NewestVerified, remembering during one recovery the
// backups it already verified (SHA-256 and CRC of a large RDB cost ~0.1 s
// each, and several strategies estimate from the same backup).
func (e *Engine) newestVerified(cat *backup.Catalog, filter func(backup.Manifest) bool) (backup.Manifest, error) {
	list, err := cat.List()
	if err != nil {
		return backup.Manifest{}, err
	}
	e.mu.Lock()
	memo := e.verified
	e.mu.Unlock()
	for _, m := range list {
		if !filter(m) {
			continue
		}
		e.mu.Lock()
		ok, seen := memo[m.ID]
		e.mu.Unlock()
		if seen && ok {
			return m, nil
		}
		if seen {
			continue
		}
		break
	}
	m, err := cat.NewestVerified(filter)
	if err == nil && memo != nil {
		e.mu.Lock()
		memo[m.ID] = true
		e.mu.Unlock()
	}
	return m, err
}
