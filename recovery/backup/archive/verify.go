package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// verifyRDB checks a base RDB (size, sha256, rdb.Verify), copying it to
// w when w is not nil.
func verifyRDB(path string, b *Base, w io.Writer) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rdb %s missing", baseRDBName)
	}
	if err != nil {
		return fmt.Errorf("open rdb: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	var cw countWriter
	dst := io.MultiWriter(h, &cw)
	if w != nil {
		dst = io.MultiWriter(h, &cw, w)
	}
	info, err := rdb.Verify(io.TeeReader(f, dst))
	if err != nil {
		return err
	}
	if info.Trailing != 0 {
		return fmt.Errorf("rdb has %d bytes after its checksum", info.Trailing)
	}
	if cw.n != b.RDBSize {
		return fmt.Errorf("rdb is %d bytes, archive.json says %d", cw.n, b.RDBSize)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != b.RDBSHA256 {
		return fmt.Errorf("rdb sha256 %s, archive.json says %s", got, b.RDBSHA256)
	}
	return nil
}

// verifySegment checks a sealed segment: size and sha256 as recorded and
// whole commands ending outside MULTI (with the recorded count), copying
// it to w when w is not nil.
func verifySegment(path string, m Segment, w io.Writer) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return errMissing
	}
	if err != nil {
		return fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	var cw countWriter
	dst := io.MultiWriter(h, &cw)
	if w != nil {
		dst = io.MultiWriter(h, &cw, w)
	}
	res := scanCommands(io.TeeReader(f, dst), nil)
	if res.err != nil && !errors.Is(res.err, errTruncated) {
		return res.err
	}
	if cw.n != m.Bytes {
		return fmt.Errorf("%d bytes, archive.json says %d", cw.n, m.Bytes)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
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
