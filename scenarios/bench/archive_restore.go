package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// restoreSource is what every restore sample of a size reads: the archive,
// the live RDB of the same dataset, and the node whose machine hosts the
// scratch servers.
type restoreSource struct {
	dep        *harness.Deployment
	node       *harness.Node // the primary the archive followed (shard 0's)
	slots      [][2]int      // its slots
	archiveDir string
	rdbPath    string // the live RDB (backup.LiveRDB) after the incr writes
	snapDir    string // a folder holding that RDB as dump.rdb
	work       string // scratch space of the samples
	keys       int64  // DBSIZE: what every restore must load
}

// restoreCell measures the restores at one size: Repeat times an archive
// restore, a snapshot restore and the RDB floor, in turn.
func (b *archiveRunner) restoreCell(ctx context.Context, keys int) RestoreCell {
	cell := RestoreCell{Keys: keys, Incr: b.cfg.Incr, Floor: Floor{Keys: keys, Kind: "rdb"}}
	src, cleanup, err := b.prepareRestore(ctx, &cell)
	defer cleanup()
	if err != nil {
		cell.Error = err.Error()
		return cell
	}
	for i := 0; i < b.cfg.Repeat; i++ {
		a, size := archiveRestore(ctx, src)
		if cell.ArchiveBytes == 0 {
			cell.ArchiveBytes = size
		}
		cell.Archive = append(cell.Archive, a)
		s := snapshotRestore(ctx, src)
		cell.Snapshot = append(cell.Snapshot, s)
		f, err := rawLoad(ctx, src.dep, func(n *harness.Node) error {
			_, err := recovery.StageRDB(ctx, n, src.dep.Topology, src.rdbPath)
			return err
		})
		if err != nil {
			cell.FloorErrors = append(cell.FloorErrors, err.Error())
		} else {
			cell.Floor.Samples = append(cell.Floor.Samples, f)
		}
		if ctx.Err() != nil {
			return cell
		}
		b.logSample(keys, i, a, s, f, err)
	}
	return cell
}

// logSample logs one round of restore samples, with what failed.
func (b *archiveRunner) logSample(keys, i int, a ArchiveRestoreSample, s SnapshotRestoreSample, f FloorSample, floorErr error) {
	attrs := []any{"keys", keys, "sample", fmt.Sprintf("%d/%d", i+1, b.cfg.Repeat),
		"archive", msText(a.TotalMS()), "snapshot", msText(s.LoadMS), "raw_load", msText(f.LoadMS)}
	failed := false
	for _, e := range []struct{ key, err string }{{"archive_err", a.Error}, {"snapshot_err", s.Error}, {"floor_err", errText(floorErr)}} {
		if e.err != "" {
			attrs, failed = append(attrs, e.key, e.err), true
		}
	}
	if failed {
		b.logger.Warn("restore sample failed", attrs...)
		return
	}
	b.logger.Info("restore sample", attrs...)
}

// prepareRestore starts a 3x0 cluster, populates it, starts an archiver
// following shard 0's primary (its base is that shard's data), writes
// Incr SETs of new keys of that shard, waits until the archive holds
// them, closes the archiver and takes a live RDB of the same data.
// cleanup removes everything; call it in every case.
func (b *archiveRunner) prepareRestore(ctx context.Context, cell *RestoreCell) (src *restoreSource, cleanup func(), err error) {
	var dep *harness.Deployment
	var work string
	cleanup = func() {
		b.terminate(ctx, dep)
		if work != "" {
			_ = os.RemoveAll(work)
		}
	}
	if dep, err = b.start(ctx, archiveRestoreTopology); err != nil {
		return nil, cleanup, err
	}
	gen, err := populate(ctx, dep, cell.Keys, b.cfg.ValueSize)
	if err != nil {
		return nil, cleanup, err
	}
	cell.GenMS = ms(gen)
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		return nil, cleanup, fmt.Errorf("prepare restores: %w", err)
	}
	if len(shards) == 0 || shards[0].Primary == nil {
		return nil, cleanup, fmt.Errorf("prepare restores: shard 0 has no known primary")
	}
	if work, err = os.MkdirTemp(b.env.WorkDir, "restore-"); err != nil {
		return nil, cleanup, fmt.Errorf("create work dir: %w", err)
	}
	src = &restoreSource{dep: dep, node: shards[0].Primary, slots: shards[0].Slots, archiveDir: filepath.Join(work, "archive"),
		snapDir: filepath.Join(work, "snapshot"), work: work}
	if err := b.archiveDataset(ctx, src, cell); err != nil {
		return nil, cleanup, err
	}
	if err := liveSnapshot(ctx, src, cell); err != nil {
		return nil, cleanup, err
	}
	return src, cleanup, nil
}

// archiveDataset archives the populated dataset and Incr writes after it
// into src.archiveDir, then records the archive's shape and the dataset's
// key count.
func (b *archiveRunner) archiveDataset(ctx context.Context, src *restoreSource, cell *RestoreCell) error {
	n := src.node
	start := time.Now()
	arc, err := b.startArchiver(ctx, src.dep, n, src.archiveDir)
	if err != nil {
		return err
	}
	defer arc.Close()
	cell.BaseMS = ms(time.Since(start))
	start = time.Now()
	if err := writeIncr(ctx, n, shardKeys(src.slots, b.cfg.Incr), b.cfg.ValueSize); err != nil {
		return err
	}
	if err := waitDurable(ctx, n, arc); err != nil {
		return err
	}
	cell.IncrMS = ms(time.Since(start))
	if err := arc.Close(); err != nil {
		return fmt.Errorf("close archiver: %w", err)
	}
	meta, err := archive.ReadMeta(src.archiveDir)
	if err != nil {
		return fmt.Errorf("read archive: %w", err)
	}
	if len(meta.Bases) != 1 {
		return fmt.Errorf("read archive: %d bases, want 1", len(meta.Bases))
	}
	cell.Segments = len(meta.Bases[0].Segments)
	for _, s := range meta.Bases[0].Segments {
		cell.IncrCommands += s.Commands
	}
	c := n.Client()
	defer c.Close()
	if src.keys, err = c.DBSize(ctx).Result(); err != nil {
		return fmt.Errorf("read dbsize of %s: %w", n.Name(), err)
	}
	cell.DatasetKeys = src.keys
	return nil
}

// liveSnapshot takes a live RDB of the dataset (backup.LiveRDB, as bench's
// floors do) into a catalog under src.work and lays it out as
// src.snapDir/dump.rdb.
func liveSnapshot(ctx context.Context, src *restoreSource, cell *RestoreCell) error {
	cat, err := backup.Open(filepath.Join(src.work, "catalog"))
	if err != nil {
		return fmt.Errorf("open catalog: %w", err)
	}
	n := src.node
	m, err := backup.LiveRDB(ctx, n.Addr(), src.dep.Dialer().DialContext, src.dep.Topology.Password, cat,
		backup.Meta{Node: n.Name(), Role: "primary"})
	if err != nil {
		return fmt.Errorf("live RDB backup: %w", err)
	}
	if m.Keys != src.keys {
		return fmt.Errorf("live RDB backup: %d keys, the primary holds %d", m.Keys, src.keys)
	}
	cell.RDBBytes = m.Size()
	src.rdbPath = filepath.Join(cat.Path(m.ID), backup.RDBFileName)
	if err := os.MkdirAll(src.snapDir, 0o755); err != nil {
		return fmt.Errorf("create snapshot dir: %w", err)
	}
	if err := os.Link(src.rdbPath, filepath.Join(src.snapDir, harness.RDBFileName)); err != nil {
		return fmt.Errorf("lay out snapshot: %w", err)
	}
	return nil
}

// msText is a duration in ms for a log line.
func msText(v float64) string {
	return time.Duration(v * float64(time.Millisecond)).Round(time.Millisecond).String()
}

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
