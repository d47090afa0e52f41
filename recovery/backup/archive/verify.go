package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// verifyRDB checks a base RDB (size, sha256, rdb.Verify), copying it to
// w when w is not nil.
func verifyRDB(path string, b *Base, w io.Writer) error {
	f, err := openSummed(path, w)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rdb %s missing", baseRDBName)
	}
	if err != nil {
		return fmt.Errorf("open rdb: %w", err)
	}
	defer f.Close()
	info, err := rdb.Verify(f)
	if err != nil {
		return err
	}
	if info.Trailing != 0 {
		return fmt.Errorf("rdb has %d bytes after its checksum", info.Trailing)
	}
	if f.cnt.n != b.RDBSize {
		return fmt.Errorf("rdb is %d bytes, archive.json says %d", f.cnt.n, b.RDBSize)
	}
	if got := f.sum(); got != b.RDBSHA256 {
		return fmt.Errorf("rdb sha256 %s, archive.json says %s", got, b.RDBSHA256)
	}
	return nil
}

// summedFile reads a file while hashing (SHA-256) and counting it, and
// copies what it reads to an optional writer.
type summedFile struct {
	f   *os.File
	r   io.Reader
	h   hash.Hash
	cnt countWriter // bytes read so far
}

// openSummed opens path for a summedFile that also copies to w (when not
// nil).
func openSummed(path string, w io.Writer) (*summedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s := &summedFile{f: f, h: sha256.New()}
	dst := io.MultiWriter(s.h, &s.cnt)
	if w != nil {
		dst = io.MultiWriter(s.h, &s.cnt, w)
	}
	s.r = io.TeeReader(f, dst)
	return s, nil
}

func (s *summedFile) Read(p []byte) (int, error) { return s.r.Read(p) }

// sum is the hex SHA-256 of what was read.
func (s *summedFile) sum() string { return hex.EncodeToString(s.h.Sum(nil)) }

// Close closes the file.
func (s *summedFile) Close() error { return s.f.Close() }

// verifySegment checks a sealed segment: size and sha256 as recorded and
// whole commands ending outside MULTI (with the recorded count), copying
// it to w when w is not nil.
func verifySegment(path string, m Segment, w io.Writer) error {
	f, err := openSummed(path, w)
	if errors.Is(err, os.ErrNotExist) {
		return errMissing
	}
	if err != nil {
		return fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	res := scanCommands(f, nil)
	if res.err != nil && !errors.Is(res.err, errTruncated) {
		return res.err
	}
	if f.cnt.n != m.Bytes {
		return fmt.Errorf("%d bytes, archive.json says %d", f.cnt.n, m.Bytes)
	}
	if got := f.sum(); got != m.SHA256 {
		return fmt.Errorf("sha256 %s, archive.json says %s", got, m.SHA256)
	}
	if res.err != nil {
		return res.err
	}
	if res.commands != m.Commands {
		return fmt.Errorf("%d commands, archive.json says %d", res.commands, m.Commands)
	}
	return nil
}

// errMissing is a segment file that does not exist.
var errMissing = errors.New("missing")

// verifyIndex checks a sealed segment's index against its record.
func verifyIndex(path string, m Segment) ([]point, error) {
	pts, err := readIndex(path)
	if err != nil {
		return pts, err
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("index %s is empty", m.Index)
	}
	first, last := pts[0], pts[len(pts)-1]
	if first.pos != 0 || first.offset != m.StartOffset {
		return pts, fmt.Errorf("index %s starts at position %d offset %d, want 0 and %d", m.Index, first.pos, first.offset, m.StartOffset)
	}
	if last.pos != m.Bytes || last.offset != m.EndOffset {
		return pts, fmt.Errorf("index %s ends at position %d offset %d, want %d and %d", m.Index, last.pos, last.offset, m.Bytes, m.EndOffset)
	}
	return pts, nil
}
