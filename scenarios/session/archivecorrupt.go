package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// CorruptedSegment is the archive segment a run damaged on purpose (see
// EngineSpec.CorruptArchiveSegment): the engine must restore to the last
// good point before it and name it.
type CorruptedSegment struct {
	// Path is the segment's file, relative to the evidence folder.
	Path string `json:"path"`
	// File is its name (appendonly.aof.<seq>.incr.aof).
	File string `json:"file"`
	// FirstCommand is when the archive received the segment's first
	// command: a restore that stops before the segment holds nothing
	// received from then on.
	FirstCommand time.Time `json:"first_command"`
	// Offset is the byte flipped, within the file.
	Offset int64 `json:"offset"`
	// StartOffset is the replication offset just before the segment's
	// first byte: a restore that stops before the segment holds nothing
	// past it.
	StartOffset int64 `json:"start_offset"`
}

// corruptArchiveSegment waits (up to 5 s) until the shard's archive has
// sealed a segment in its current base, then flips one byte in the middle
// of the newest sealed one, on disk, under the running archiver.
func (a *archivers) corruptArchiveSegment(ctx context.Context, shard int, evidenceDir string) (CorruptedSegment, error) {
	if a == nil {
		return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: the run has no archive")
	}
	dir, ok := a.dirs[shard]
	if !ok {
		return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: shard %d has no archive", shard)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		meta, err := archive.ReadMeta(dir)
		if err == nil && len(meta.Bases) > 0 {
			b := meta.Bases[len(meta.Bases)-1]
			if n := len(b.Segments); n > 0 {
				return flipSegment(filepath.Join(dir, b.ID), b.Segments[n-1], evidenceDir)
			}
		}
		if time.Now().After(deadline) {
			return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: no sealed segment in %s after 5 s", dir)
		}
		select {
		case <-ctx.Done():
			return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// flipSegment flips the byte in the middle of a sealed segment's file.
func flipSegment(baseDir string, seg archive.Segment, evidenceDir string) (CorruptedSegment, error) {
	p := filepath.Join(baseDir, seg.File)
	data, err := os.ReadFile(p)
	if err != nil {
		return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: %w", err)
	}
	if len(data) < 2 {
		return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: %s holds %d bytes", p, len(data))
	}
	off := len(data) / 2
	data[off] ^= 0xff
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return CorruptedSegment{}, fmt.Errorf("corrupt archive segment: %w", err)
	}
	rel, err := filepath.Rel(evidenceDir, p)
	if err != nil {
		rel = p
	}
	return CorruptedSegment{Path: filepath.ToSlash(rel), File: seg.File, FirstCommand: time.UnixMilli(seg.FirstMS).UTC(), Offset: int64(off), StartOffset: seg.StartOffset}, nil
}

// judgeArchiveCorruption fails a run whose engine restored past the
// segment corrupted on purpose, or restored without naming it: the
// restored backup must be an archive point whose note names the segment
// and which holds nothing past the segment's start (its replication
// offset; the receive clock has only milliseconds, and the last command
// before a segment may share its first command's).
func judgeArchiveCorruption(ev Evidence) []string {
	seg := ev.CorruptedSegment
	if seg == nil {
		return nil
	}
	e, ok := ev.restored()
	if !ok {
		return []string{"archive: a segment was corrupted but no restore is on record"}
	}
	var r []string
	if e.Kind != backup.KindArchivePoint {
		r = append(r, fmt.Sprintf("archive: restored %s (%s), not a point of the archive", e.ID, e.Kind))
	}
	if !strings.Contains(e.Note, seg.File) {
		r = append(r, fmt.Sprintf("archive: the restored point %s does not name the corrupted segment %s (note %q)", e.ID, seg.File, e.Note))
	}
	if e.ReplOffset > seg.StartOffset || e.Time.After(seg.FirstCommand) {
		r = append(r, fmt.Sprintf("archive: the restored point %s holds the stream up to offset %d (%s), past the corrupted segment's start at offset %d (first command %s)",
			e.ID, e.ReplOffset, e.Time.Format("15:04:05.000"), seg.StartOffset, seg.FirstCommand.Format("15:04:05.000")))
	}
	return r
}
