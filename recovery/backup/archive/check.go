package archive

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// CheckReport is what Check found in an archive.
type CheckReport struct {
	Dir    string
	Addr   string // node the archive last followed
	Replid string // replication id it resumes with
	OK     bool   // every base RDB, sealed segment and tail verified
	// Problems has one line per problem found ("<base>: ..." or
	// "<base>/<file>: ..."), empty when OK.
	Problems []string
	Bases    []BaseCheck
}

// BaseCheck is the verification of one base and its segments.
type BaseCheck struct {
	ID          string
	Replid      string
	StartOffset int64     // replication offset of the RDB
	EndOffset   int64     // offset after the last sealed segment
	Time        time.Time // when the RDB was taken (+FULLRESYNC)
	Keys        int64
	Gap         *Gap           // nil when the base continues the previous one (or is the first)
	OK          bool           // the RDB, every sealed segment and the tail verified
	Problem     string         // the RDB's problem ("" when it verified)
	Segments    []SegmentCheck // sealed segments, in order
	Tail        *SegmentCheck  // unsealed segment (archiver running or killed), nil when none
}

// SegmentCheck is the verification of one segment. For a tail, Bytes,
// Commands and EndOffset describe its durable prefix, and Note says how
// many bytes after it a restart would drop.
type SegmentCheck struct {
	File                   string
	Seq                    int
	StartOffset, EndOffset int64
	FirstMS, LastMS        int64 // receive clock, unix ms
	Bytes                  int64
	Commands               int64
	OK                     bool
	Problem                string // first problem found ("" when OK)
	Note                   string
}

// Check verifies the archive in dir: every base RDB (size, sha256,
// rdb.Verify), every sealed segment (size, sha256, whole RESP commands
// ending outside MULTI, its index) and the durable prefix of an unsealed
// tail. An archive without a base is a problem (nothing to restore).
// Problems are reported per base and segment; the error is only for a
// missing or unreadable archive.json.
func Check(dir string) (CheckReport, error) {
	m, err := ReadMeta(dir)
	if err != nil {
		return CheckReport{}, fmt.Errorf("check archive %s: %w", dir, err)
	}
	rep := CheckReport{Dir: dir, Addr: m.Addr, Replid: m.Replid}
	for i, b := range m.Bases {
		bc := checkBase(filepath.Join(dir, b.ID), b, i == len(m.Bases)-1)
		rep.Problems = append(rep.Problems, bc.problems()...)
		rep.Bases = append(rep.Bases, bc)
	}
	if len(m.Bases) == 0 {
		rep.Problems = append(rep.Problems, "no base: the first full sync never completed, there is nothing to restore")
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// Summary is a one-line description: bases, segments, gaps, the span of
// receive times and the last offset, then the problem count when not OK.
func (r CheckReport) Summary() string {
	segs, gaps := 0, 0
	var first, last time.Time
	var end int64
	for _, b := range r.Bases {
		segs += len(b.Segments)
		if b.Tail != nil {
			segs++
		}
		if b.Gap != nil {
			gaps++
		}
		if first.IsZero() {
			first = b.Time
		}
		last, end = b.Time, b.EndOffset
		if n := len(b.Segments); n > 0 && b.Segments[n-1].LastMS > 0 {
			last = time.UnixMilli(b.Segments[n-1].LastMS)
		}
		if b.Tail != nil && b.Tail.LastMS > 0 {
			last, end = time.UnixMilli(b.Tail.LastMS), b.Tail.EndOffset
		}
	}
	s := fmt.Sprintf("%d bases, %d segments, %d gaps", len(r.Bases), segs, gaps)
	if len(r.Bases) > 0 {
		s += fmt.Sprintf(", %s to %s, offset %d", first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339), end)
	}
	if !r.OK {
		s += fmt.Sprintf(", %d problems", len(r.Problems))
	}
	return s
}

// problems lists the base's problems, one line each.
func (bc BaseCheck) problems() []string {
	var out []string
	if bc.Problem != "" {
		out = append(out, bc.ID+": "+bc.Problem)
	}
	segs := bc.Segments
	if bc.Tail != nil {
		segs = append(segs[:len(segs):len(segs)], *bc.Tail)
	}
	for _, s := range segs {
		if !s.OK {
			out = append(out, bc.ID+"/"+s.File+": "+s.Problem)
		}
	}
	return out
}

// checkBase verifies one base; last says whether it may have a tail.
func checkBase(dir string, b *Base, last bool) BaseCheck {
	bc := BaseCheck{ID: b.ID, Replid: b.Replid, StartOffset: b.StartOffset, EndOffset: b.endOffset(),
		Time: b.Time, Keys: b.Keys, Gap: b.Gap, OK: true}
	if err := verifyRDB(filepath.Join(dir, baseRDBName), b, nil); err != nil {
		bc.OK, bc.Problem = false, err.Error()
	}
	for _, s := range b.Segments {
		sc := SegmentCheck{File: s.File, Seq: s.Seq, StartOffset: s.StartOffset, EndOffset: s.EndOffset,
			FirstMS: s.FirstMS, LastMS: s.LastMS, Bytes: s.Bytes, Commands: s.Commands, OK: true}
		err := verifySegment(filepath.Join(dir, s.File), s, nil)
		if err == nil {
			_, err = verifyIndex(filepath.Join(dir, s.Index), s)
		}
		if errors.Is(err, errMissing) {
			sc.OK, sc.Problem = false, "missing"
		} else if err != nil {
			sc.OK, sc.Problem = false, err.Error()
		}
		bc.OK = bc.OK && sc.OK
		bc.Segments = append(bc.Segments, sc)
	}
	if last {
		if t, ok := checkTail(dir, b); ok {
			bc.OK = bc.OK && t.OK
			bc.Tail = &t
		}
	}
	return bc
}

// checkTail describes the durable prefix of the unsealed segment after
// b's sealed ones; ok is false when there is none.
func checkTail(dir string, b *Base) (SegmentCheck, bool) {
	seq := b.nextSeq()
	path := filepath.Join(dir, segmentName(seq))
	if !fileExists(path) {
		return SegmentCheck{}, false
	}
	t, size, err := tailPrefix(dir, b)
	sc := SegmentCheck{File: segmentName(seq), Seq: seq, StartOffset: b.endOffset(), OK: true}
	if err != nil {
		sc.OK, sc.Problem = false, err.Error()
		return sc, true
	}
	sc.EndOffset, sc.Bytes, sc.Commands, sc.FirstMS, sc.LastMS = t.EndOffset, t.Bytes, t.Commands, t.FirstMS, t.LastMS
	if size > t.Bytes {
		sc.Note = fmt.Sprintf("%d bytes after the last durable point (not acknowledged; dropped on resume)", size-t.Bytes)
	}
	return sc, true
}
