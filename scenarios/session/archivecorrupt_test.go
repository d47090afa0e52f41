package session

import (
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
)

// TestJudgeArchiveCorruption checks the corrupted-segment rule by offset:
// a point that stops at the segment's start passes even when its last
// command shares the segment's first millisecond; one past it, or one that
// does not name the segment, fails.
func TestJudgeArchiveCorruption(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 11, 11, 985_000_000, time.UTC)
	seg := &CorruptedSegment{File: "appendonly.aof.2.incr.aof", FirstCommand: at, StartOffset: 5000}
	ev := func(offset int64, note string) Evidence {
		return Evidence{
			CorruptedSegment: seg,
			Recoveries:       []*recovery.Report{{BackupID: "p"}},
			Catalog:          []CatalogEntry{{ID: "p", Kind: backup.KindArchivePoint, Time: at, ReplOffset: offset, Note: note, Verified: true}},
		}
	}
	named := "archive shard-0 up to offset 5000 (corrupt segment appendonly.aof.2.incr.aof: sha256 mismatch)"
	if r := judgeArchiveCorruption(ev(5000, named)); len(r) != 0 {
		t.Fatalf("point at the segment's start, same millisecond: got %v", r)
	}
	if r := judgeArchiveCorruption(ev(5001, named)); len(r) != 1 {
		t.Fatalf("point past the segment's start: got %v", r)
	}
	if r := judgeArchiveCorruption(ev(4000, "archive shard-0 up to offset 4000 (end)")); len(r) != 1 {
		t.Fatalf("point that does not name the segment: got %v", r)
	}
}
