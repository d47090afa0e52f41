package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// archiveRestore restores from the archive the way the engine makes an
// archive point (recovery/archivepoint.go), timing each step: Materialize
// everything archived into an appendonlydir, have a scratch server in the
// node's machine load it and SAVE an RDB (the engine's fast path: no
// container start), and backup.AddPoint verify that RDB into a catalog.
// The key counts must match the dataset. It also returns the size of the
// materialized appendonlydir.
func archiveRestore(ctx context.Context, src *restoreSource) (ArchiveRestoreSample, int64) {
	var s ArchiveRestoreSample
	size, err := timeArchiveRestore(ctx, src, &s)
	if err != nil {
		s.Error = err.Error()
	}
	return s, size
}

// timeArchiveRestore fills s step by step and returns the materialized
// size; an error stops it.
func timeArchiveRestore(ctx context.Context, src *restoreSource, s *ArchiveRestoreSample) (int64, error) {
	dir, err := os.MkdirTemp(src.work, "point-")
	if err != nil {
		return 0, fmt.Errorf("create point dir: %w", err)
	}
	defer os.RemoveAll(dir)
	load := filepath.Join(dir, "load") // what the scratch server gets: appendonlydir only
	aofDir := filepath.Join(load, harness.AOFDirName)
	start := time.Now()
	pt, err := archive.Materialize(src.archiveDir, time.Time{}, aofDir)
	if err != nil {
		return 0, err
	}
	s.MaterializeMS = ms(time.Since(start))
	size := dirSize(aofDir)
	rdbOut := filepath.Join(dir, "point.rdb")
	start = time.Now()
	keys, err := src.node.ScratchRDB(ctx, load, true, rdbOut)
	if err != nil {
		return size, fmt.Errorf("load archive point: %w", err)
	}
	s.ScratchMS, s.Keys = ms(time.Since(start)), keys
	cat, err := backup.Open(filepath.Join(dir, "catalog"))
	if err != nil {
		return size, fmt.Errorf("open catalog: %w", err)
	}
	start = time.Now()
	m, err := backup.AddPoint(cat, rdbOut, backup.PointMeta{
		Meta: backup.Meta{Node: src.node.Name(), Role: "primary", Note: "archive bench"},
		Time: pt.Time, ReplOffset: pt.Offset,
	})
	if err != nil {
		return size, err
	}
	s.VerifyMS = ms(time.Since(start))
	if keys != src.keys || m.Keys != src.keys {
		return size, fmt.Errorf("verify archive point: the scratch server loaded %d keys, the RDB holds %d, the dataset %d", keys, m.Keys, src.keys)
	}
	return size, nil
}

// snapshotRestore has a scratch server in the node's machine load the
// live RDB of the same dataset (Node.ScratchKeys: copy in, start, load,
// answer DBSIZE): the restore from a snapshot, on the same path as the
// archive restore's scratch load.
func snapshotRestore(ctx context.Context, src *restoreSource) SnapshotRestoreSample {
	var s SnapshotRestoreSample
	start := time.Now()
	keys, err := src.node.ScratchKeys(ctx, src.snapDir, false)
	s.LoadMS, s.Keys = ms(time.Since(start)), keys
	switch {
	case err != nil:
		s.Error = fmt.Sprintf("load snapshot: %v", err)
	case keys != src.keys:
		s.Error = fmt.Sprintf("load snapshot: the scratch server loaded %d keys, the dataset holds %d", keys, src.keys)
	}
	return s
}
