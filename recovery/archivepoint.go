package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// restoreSource returns what a restore of inc's shard loads: with a
// streaming archive of the shard (Options.Archives), a point materialized
// from it (see archivePoint); otherwise the shard's newest verified
// snapshot. A point that cannot be made falls back to the snapshot, and
// the returned note says why.
func (e *Engine) restoreSource(ctx context.Context, inc *Incident) (backup.Manifest, string, string, error) {
	if dir, ok := e.opts.Archives[inc.Shard]; ok {
		m, p, err := e.archivePoint(ctx, pointOf{shard: inc.Shard, slots: inc.Slots, node: inc.Failed, nodeID: inc.FailedID}, dir)
		if err == nil {
			return m, p, "", nil
		}
		e.logger.Warn("archive point failed: restoring the newest snapshot", "shard", inc.Shard, "err", err)
		m, p, serr := e.shardBackup(inc.Shard)
		return m, p, "archive point failed (" + err.Error() + ")", serr
	}
	m, p, err := e.shardBackup(inc.Shard)
	return m, p, "", err
}

// archivePoint materializes the shard's archive up to the fault into a
// loadable AOF dir, has a scratch server load it and save an RDB (the
// proof that it loads, and the form every restore path installs) and
// stores that RDB in the catalog as a verified archive-point backup.
//
// The point is the end of the archive's history that was current at the
// fault: every command the primary streamed before it died, or up to the
// next base (a full resync, e.g. from a server restarted empty) when there
// is one, so a restart's empty data set is never what comes back.
func (e *Engine) archivePoint(ctx context.Context, of pointOf, dir string) (backup.Manifest, string, error) {
	cat, err := e.Catalog()
	if err != nil {
		return backup.Manifest{}, "", err
	}
	until, err := archiveUntil(dir, e.faultTime())
	if err != nil {
		return backup.Manifest{}, "", err
	}
	if !of.target.IsZero() {
		until = of.target
	}
	work, err := os.MkdirTemp(cat.Dir(), ".archive-point-")
	if err != nil {
		return backup.Manifest{}, "", fmt.Errorf("make archive point: %w", err)
	}
	defer os.RemoveAll(work)
	pt, err := archive.Materialize(dir, until, filepath.Join(work, rediskit.AOFDirName))
	if err != nil {
		return backup.Manifest{}, "", fmt.Errorf("materialize archive %s: %w", dir, err)
	}
	rdbOut := filepath.Join(work, "point.rdb")
	keys, err := e.scratchRDB(ctx, of.node, work, rdbOut)
	if err != nil {
		return backup.Manifest{}, "", fmt.Errorf("load archive point: %w", err)
	}
	shard := of.shard
	note := fmt.Sprintf("archive %s up to offset %d (%d commands after base %s, %s)", filepath.Base(dir), pt.Offset, pt.Commands, pt.Base, pt.Limit)
	if pt.Fallback != "" {
		note += "; " + pt.Fallback
	}
	m, err := backup.AddPoint(cat, rdbOut, backup.PointMeta{
		Meta: backup.Meta{Node: nodeName(of.node), NodeID: of.nodeID, Role: "primary", Slots: of.slots, Shard: &shard, Note: note},
		Time: pt.Time, ReplOffset: pt.Offset,
	})
	if err != nil {
		return backup.Manifest{}, "", err
	}
	if m.Keys != keys {
		return backup.Manifest{}, "", fmt.Errorf("archive point %s holds %d keys, the scratch server loaded %d", m.ID, m.Keys, keys)
	}
	return m, filepath.Join(cat.Path(m.ID), backup.RDBFileName), nil
}

// archiveUntil is the instant an archive is cut at for a restore from a
// fault at t0: the start of the first base taken after t0 (a full resync
// from a restarted server), else no cut at all (far in the future).
func archiveUntil(dir string, t0 time.Time) (time.Time, error) {
	meta, err := archive.ReadMeta(dir)
	if err != nil {
		return time.Time{}, fmt.Errorf("read archive %s: %w", dir, err)
	}
	for _, b := range meta.Bases {
		if b.Time.After(t0) {
			return b.Time, nil
		}
	}
	return time.Now().Add(24 * time.Hour), nil
}

// pointOf is the shard an archive point is made for: its index and slots
// and the node that served it (whose machine may host the scratch load).
type pointOf struct {
	shard  int
	slots  [][2]int
	node   deploy.Node
	nodeID string
	// target, when set, cuts the archive at that instant (point in
	// time) instead of at the end of the history current at the fault.
	target time.Time
}

// scratchRDB loads hostDir (holding an appendonlydir) in a scratch server
// and writes the RDB it saves to rdbOut: inside the machine of n (the
// shard's failed node) when it is up, else inside the warm spare's, else
// in a scratch container.
func (e *Engine) scratchRDB(ctx context.Context, n deploy.Node, hostDir, rdbOut string) (int64, error) {
	if n != nil {
		if up, err := n.MachineRunning(ctx); err == nil && up {
			if paused, err := n.Paused(ctx); err == nil && !paused {
				return n.ScratchRDB(ctx, hostDir, true, rdbOut)
			}
		}
	}
	if spare := e.spareNow(); spare != nil {
		return spare.ScratchRDB(ctx, hostDir, true, rdbOut)
	}
	return e.dep.ScratchRDB(ctx, hostDir, true, rdbOut)
}

func nodeName(n deploy.Node) string {
	if n == nil {
		return ""
	}
	return n.Name()
}

// backupDetail describes the backup a restore loads, for its span: a
// snapshot by the time it was taken, an archive point by the instant it
// holds everything up to, and why a snapshot stands in for a point.
func backupDetail(m backup.Manifest, why string) string {
	taken := "taken"
	if m.Kind == backup.KindArchivePoint {
		taken = "up to"
	}
	s := fmt.Sprintf("%s (%d keys, %s %s)", m.ID, m.Keys, taken, m.Time.Format("15:04:05.000"))
	if m.Kind == backup.KindArchivePoint && m.Note != "" {
		s += "; " + m.Note
	}
	if why != "" {
		s += "; " + why
	}
	return s
}

// archiveRollback makes an archive point of every pre-fault shard at once
// (each from its own archive; with Options.PointInTimeBefore, every one
// cut at the fault less that, so the whole cluster goes back to one
// instant) and maps each shard's pre-fault primary to
// its point's RDB. It returns the oldest point (the restore's weakest
// bound) and a description. Every shard needs an archive.
func (e *Engine) archiveRollback(ctx context.Context) (backup.Manifest, map[deploy.Node]string, string, error) {
	e.mu.Lock()
	shards := append([]deploy.Shard(nil), e.shards...)
	e.mu.Unlock()
	for _, s := range shards {
		if _, ok := e.opts.Archives[s.Index]; !ok || s.Primary == nil {
			return backup.Manifest{}, nil, "", fmt.Errorf("roll back from archives: shard %d has no archive or primary", s.Index)
		}
	}
	var target time.Time
	if e.opts.PointInTimeBefore > 0 {
		target = e.faultTime().Add(-e.opts.PointInTimeBefore)
	}
	points := make([]backup.Manifest, len(shards))
	paths := make([]string, len(shards))
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			points[i], paths[i], errs[i] = e.archivePoint(ctx, pointOf{shard: s.Index, slots: s.Slots, node: s.Primary, nodeID: s.PrimaryID, target: target}, e.opts.Archives[s.Index])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return backup.Manifest{}, nil, "", fmt.Errorf("roll back from archives: %w", err)
	}
	out := map[deploy.Node]string{}
	oldest := points[0]
	for i, s := range shards {
		out[s.Primary] = paths[i]
		if points[i].Time.Before(oldest.Time) {
			oldest = points[i]
		}
	}
	return oldest, out, fmt.Sprintf("%d archive points (oldest %s, up to %s)", len(points), oldest.ID, oldest.Time.Format("15:04:05.000")), nil
}
