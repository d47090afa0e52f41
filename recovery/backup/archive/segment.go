package archive

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// segment is the open incr file of the current base and its index. It is
// owned by the archiver's stream goroutine.
type segment struct {
	dir      string // base folder
	seq      int
	f, idx   *os.File
	bw       *bufio.Writer
	hash     hash.Hash // of the bytes written, buffered ones included
	size     int64     // bytes written, buffered ones included
	synced   int64     // bytes fsync'ed
	start    int64     // replication offset before its first byte
	loaderDB int       // database a loader of the file is in at its end
	lastTS   int64     // second of the last #TS annotation written
	firstMS  int64     // receive time of the first command
	lastMS   int64     // receive time of the last command
	commands int64     // commands written (injected SELECTs included)
	queued   []point   // boundaries waiting for the next commit
	written  point     // last index entry (durable)
	wcmds    int64     // commands up to written
	safe     point     // newest boundary outside a transaction
	scmds    int64     // commands up to safe
	lineBuf  []byte
}

// openSegment creates segment seq in dir (truncating leftovers), writes its
// first index entry (position 0, offset start) and fsyncs both files and
// the folder.
func openSegment(dir string, seq int, start int64, db int, ms int64) (*segment, error) {
	f, err := os.OpenFile(filepath.Join(dir, segmentName(seq)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	idx, err := os.OpenFile(filepath.Join(dir, indexName(seq)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open segment index: %w", err)
	}
	s := &segment{dir: dir, seq: seq, f: f, idx: idx, bw: bufio.NewWriterSize(f, 256<<10), hash: sha256.New(), start: start}
	p := point{pos: 0, offset: start, ms: ms, db: db}
	s.written, s.safe = p, p
	err = s.writeIndex([]point{p})
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = atomicfile.SyncDir(dir)
	}
	if err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("open segment %d: %w", seq, err)
	}
	return s, nil
}

// name is the incr file's name.
func (s *segment) name() string { return segmentName(s.seq) }

// write appends b to the file.
func (s *segment) write(b []byte) error {
	if _, err := s.bw.Write(b); err != nil {
		return fmt.Errorf("write segment %s: %w", s.name(), err)
	}
	s.hash.Write(b)
	s.size += int64(len(b))
	return nil
}

// appendCommand writes a data command received at ms while the stream is
// in database db: a #TS annotation first when a new second starts outside
// a transaction, and a SELECT when the file's loader would be in another
// database.
func (s *segment) appendCommand(c command, ms int64, db int, inMulti bool) error {
	if sec := ms / 1000; !inMulti && sec != s.lastTS {
		s.lineBuf = append(strconv.AppendInt(append(s.lineBuf[:0], "#TS:"...), sec, 10), '\r', '\n')
		if err := s.write(s.lineBuf); err != nil {
			return err
		}
		s.lastTS = sec
	}
	if c.kind != kindSelect && s.loaderDB != db {
		if err := s.write(encode("SELECT", strconv.Itoa(db))); err != nil {
			return err
		}
		s.loaderDB = db
		s.commands++
	}
	if err := s.write(c.raw); err != nil {
		return err
	}
	if n, ok := c.selectDB(); ok {
		s.loaderDB = n
	}
	if s.firstMS == 0 {
		s.firstMS = ms
	}
	s.lastMS = ms
	s.commands++
	return nil
}

// mark records the boundary p (outside a transaction). The previous
// boundary is queued for the index when p is in a later millisecond, so
// the index has an entry for every receive millisecond.
func (s *segment) mark(p point) {
	last := s.written.offset
	if n := len(s.queued); n > 0 {
		last = s.queued[n-1].offset
	}
	if p.ms != s.safe.ms && s.safe.offset > last {
		s.queued = append(s.queued, s.safe)
	}
	p.pos = s.size
	s.safe, s.scmds = p, s.commands
}

// dirty reports whether a commit has anything to make durable.
func (s *segment) dirty() bool {
	return s.size > s.synced || s.safe.offset > s.written.offset || len(s.queued) > 0
}

// commit makes every byte written durable and then indexes the queued
// boundaries and the newest one; it returns the durable offset (the last
// index entry's).
func (s *segment) commit() (int64, error) {
	if s.bw.Buffered() > 0 {
		if err := s.bw.Flush(); err != nil {
			return s.written.offset, fmt.Errorf("write segment %s: %w", s.name(), err)
		}
	}
	if s.size > s.synced {
		if err := s.f.Sync(); err != nil {
			return s.written.offset, fmt.Errorf("sync segment %s: %w", s.name(), err)
		}
		s.synced = s.size
	}
	last := s.written.offset
	if n := len(s.queued); n > 0 {
		last = s.queued[n-1].offset
	}
	if s.safe.offset > last {
		s.queued = append(s.queued, s.safe)
	}
	if len(s.queued) == 0 {
		return s.written.offset, nil
	}
	if err := s.writeIndex(s.queued); err != nil {
		return s.written.offset, err
	}
	s.written = s.queued[len(s.queued)-1]
	if s.written == s.safe {
		s.wcmds = s.scmds
	}
	s.queued = s.queued[:0]
	return s.written.offset, nil
}

// writeIndex appends entries to the index and fsyncs it.
func (s *segment) writeIndex(pts []point) error {
	s.lineBuf = s.lineBuf[:0]
	for _, p := range pts {
		s.lineBuf = p.appendLine(s.lineBuf)
	}
	if _, err := s.idx.Write(s.lineBuf); err != nil {
		return fmt.Errorf("write index of %s: %w", s.name(), err)
	}
	if err := s.idx.Sync(); err != nil {
		return fmt.Errorf("sync index of %s: %w", s.name(), err)
	}
	return nil
}

// rollback drops what was written after the last index entry (an
// unfinished transaction), so the file ends where the durable offset is.
func (s *segment) rollback() error {
	s.queued = s.queued[:0]
	s.bw.Reset(s.f)
	if s.size == s.written.pos && s.synced == s.size {
		s.safe, s.scmds = s.written, s.wcmds
		return nil
	}
	pos := s.written.pos
	if err := s.f.Truncate(pos); err != nil {
		return fmt.Errorf("truncate segment %s: %w", s.name(), err)
	}
	if _, err := s.f.Seek(pos, io.SeekStart); err != nil {
		return fmt.Errorf("seek segment %s: %w", s.name(), err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync segment %s: %w", s.name(), err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(s.f, 0, pos)); err != nil {
		return fmt.Errorf("hash segment %s: %w", s.name(), err)
	}
	s.hash, s.size, s.synced = h, pos, pos
	s.safe, s.commands, s.scmds = s.written, s.wcmds, s.wcmds
	s.lastTS, s.lastMS = 0, s.written.ms
	s.loaderDB = s.written.db
	if pos == 0 {
		s.loaderDB, s.firstMS, s.lastMS = 0, 0, 0
	}
	return nil
}

// seal commits, drops an unfinished transaction, closes the files and
// returns the segment's record.
func (s *segment) seal() (Segment, error) {
	if _, err := s.commit(); err != nil {
		return Segment{}, err
	}
	if err := s.rollback(); err != nil {
		return Segment{}, err
	}
	m := Segment{
		File: s.name(), Seq: s.seq, StartOffset: s.start, EndOffset: s.written.offset,
		FirstMS: s.firstMS, LastMS: s.lastMS, Bytes: s.size, SHA256: hex.EncodeToString(s.hash.Sum(nil)),
		Commands: s.commands, EndDB: s.written.db, Index: indexName(s.seq),
	}
	if err := s.closeFiles(); err != nil {
		return Segment{}, fmt.Errorf("seal segment %s: %w", s.name(), err)
	}
	return m, nil
}

// remove closes and deletes an empty segment.
func (s *segment) remove() error {
	_ = s.closeFiles()
	for _, n := range []string{segmentName(s.seq), indexName(s.seq)} {
		if err := os.Remove(filepath.Join(s.dir, n)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove segment: %w", err)
		}
	}
	return nil
}

// closeFiles closes both files without syncing.
func (s *segment) closeFiles() error {
	err := s.f.Close()
	if e := s.idx.Close(); err == nil {
		err = e
	}
	return err
}
