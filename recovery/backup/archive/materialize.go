package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// Point is what a materialized AOF dir holds: a base and its stream up to
// an offset.
type Point struct {
	Base     string    // base id
	Offset   int64     // replication offset after the last command held
	Time     time.Time // receive time of the last command held (the base's time when none)
	Segment  string    // last incr file held, "" when none
	Commands int64     // commands in the incr files
	// Limit says why it stops there: "until" (the next command was
	// received at or after until), "end" (everything archived is in),
	// "corrupt segment <file>: <problem>" or "missing segment <file>".
	Limit string
	// Fallback says why newer bases were passed over ("" when none).
	Fallback string
}

// Materialize writes into out (a new folder it creates; an existing empty
// one is used) a multi-part AOF dir that redis-server loads: the newest
// base whose RDB was taken before until and its segments cut at the last
// index entry received strictly before until (at millisecond precision).
// A zero until takes everything: the newest base and all its segments,
// with the durable prefix of an unsealed tail. A segment whose file is
// missing, or fails its sha256 or parse, stops the cut at the end of the
// previous one (Point.Limit names it). A base whose RDB fails
// verification is passed over for the previous one. The manifest lists
// exactly the files written.
func Materialize(dir string, until time.Time, out string) (Point, error) {
	m, err := ReadMeta(dir)
	if err != nil {
		return Point{}, fmt.Errorf("materialize %s: %w", dir, err)
	}
	if err := makeOut(out); err != nil {
		return Point{}, fmt.Errorf("materialize %s: %w", dir, err)
	}
	pt, err := materialize(dir, m, until, out)
	if err != nil {
		_ = os.RemoveAll(out)
		return Point{}, fmt.Errorf("materialize %s: %w", dir, err)
	}
	return pt, nil
}

// makeOut creates out, or accepts it when it is an empty folder.
func makeOut(out string) error {
	entries, err := os.ReadDir(out)
	if err == nil {
		if len(entries) > 0 {
			return fmt.Errorf("output %s exists and is not empty", out)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read output: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	return nil
}

func materialize(dir string, m *Meta, until time.Time, out string) (Point, error) {
	var skipped []string
	for i := len(m.Bases) - 1; i >= 0; i-- {
		b := m.Bases[i]
		if !until.IsZero() && !b.Time.Before(until) {
			continue
		}
		err := copyFile(filepath.Join(out, baseRDBName), func(w io.Writer) error {
			return verifyRDB(filepath.Join(dir, b.ID, baseRDBName), b, w)
		})
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", b.ID, err))
			continue
		}
		pt, seqs, err := cutSegments(filepath.Join(dir, b.ID), b, i == len(m.Bases)-1, until, out)
		if err != nil {
			return Point{}, err
		}
		pt.Fallback = strings.Join(skipped, "; ")
		if err := writeManifest(out, seqs); err != nil {
			return Point{}, err
		}
		return pt, atomicfile.SyncDir(out)
	}
	if len(skipped) > 0 {
		return Point{}, fmt.Errorf("no usable base: %s", strings.Join(skipped, "; "))
	}
	if until.IsZero() {
		return Point{}, fmt.Errorf("no base in the archive")
	}
	return Point{}, fmt.Errorf("no base taken before %s", until.UTC().Format(time.RFC3339Nano))
}

// cutSegments copies b's segments into out up to until and returns the
// point reached and the sequence numbers written.
func cutSegments(dir string, b *Base, last bool, until time.Time, out string) (Point, []int, error) {
	pt := Point{Base: b.ID, Offset: b.StartOffset, Time: b.Time, Limit: "end"}
	segs := make([]Segment, 0, len(b.Segments)+1)
	segs = append(segs, b.Segments...)
	var tail *tailSegment
	if last && fileExists(filepath.Join(dir, segmentName(b.nextSeq()))) {
		t, _, err := tailPrefix(dir, b)
		if err != nil {
			pt.Limit = fmt.Sprintf("corrupt segment %s: %v", segmentName(b.nextSeq()), err)
		} else if t.Bytes > 0 {
			tail = &t
			segs = append(segs, t.Segment)
		}
	}
	untilMS := until.UnixMilli()
	var seqs []int
	for _, s := range segs {
		if !until.IsZero() && s.FirstMS >= untilMS {
			pt.Limit = "until"
			break
		}
		cut := !until.IsZero() && s.LastMS >= untilMS
		src, dst := filepath.Join(dir, s.File), filepath.Join(out, s.File)
		sealed := tail == nil || s.Seq != tail.Seq
		if sealed && !cut {
			err := copyFile(dst, func(w io.Writer) error { return verifySegment(src, s, w) })
			if err != nil {
				pt.Limit = segmentLimit(s.File, err)
				_ = os.Remove(dst)
				break
			}
		} else {
			var pts []point
			if sealed {
				if err := verifySegment(src, s, nil); err != nil {
					pt.Limit = segmentLimit(s.File, err)
					break
				}
				var err error
				if pts, err = verifyIndex(filepath.Join(dir, s.Index), s); err != nil {
					pt.Limit = segmentLimit(s.File, err)
					break
				}
			} else {
				pts = tail.points
			}
			end, cmds, ok := cutPoint(src, pts, until)
			if !ok {
				pt.Limit = "until"
				break
			}
			if end.pos != s.Bytes {
				s.EndOffset, s.Bytes, s.Commands, s.LastMS = end.offset, end.pos, cmds, end.ms
			}
			err := copyFile(dst, func(w io.Writer) error {
				f, err := os.Open(src)
				if err != nil {
					return fmt.Errorf("open segment: %w", err)
				}
				defer f.Close()
				_, err = io.Copy(w, io.NewSectionReader(f, 0, s.Bytes))
				return err
			})
			if err != nil {
				return Point{}, nil, err
			}
		}
		seqs = append(seqs, s.Seq)
		pt.Offset, pt.Time, pt.Segment = s.EndOffset, time.UnixMilli(s.LastMS).UTC(), s.File
		pt.Commands += s.Commands
		if cut {
			pt.Limit = "until"
			break
		}
	}
	return pt, seqs, nil
}

// cutPoint returns the last of pts received strictly before until (pts
// taken in order while their time is before until) that is a command
// boundary outside MULTI in the file at path, with the commands before it;
// ok is false when that is the file's start.
func cutPoint(path string, pts []point, until time.Time) (point, int64, bool) {
	if !until.IsZero() {
		untilMS := until.UnixMilli()
		n := 0
		for n < len(pts) && pts[n].ms < untilMS {
			n++
		}
		pts = pts[:n]
	}
	best, n, cmds, err := durablePrefix(path, pts)
	if err != nil || n < 0 || best.pos == 0 {
		return point{}, 0, false
	}
	return best, cmds, true
}

// segmentLimit renders why a segment stops a materialization.
func segmentLimit(file string, err error) string {
	if errors.Is(err, errMissing) {
		return "missing segment " + file
	}
	return fmt.Sprintf("corrupt segment %s: %v", file, err)
}

// copyFile creates path, lets fill write it, then fsyncs it; the file is
// removed when fill fails.
func copyFile(path string, fill func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Base(path), err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}
