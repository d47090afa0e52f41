package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// errStopScan ends a scan early once it has what it needs.
var errStopScan = errors.New("stop scan")

// openArchive reads the archive in dir, or creates one when dir holds
// nothing else, and brings it to a clean state: base folders archive.json
// does not list (an RDB being received at a crash) are removed and every
// unsealed segment is recovered and sealed (removed when empty).
func openArchive(dir string, log *slog.Logger) (*Meta, error) {
	m, err := ReadMeta(dir)
	if errors.Is(err, os.ErrNotExist) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("open archive: %w", err)
		}
		for _, e := range entries {
			if e.Name() != lockFile {
				return nil, fmt.Errorf("open archive: %s has no %s but holds %s: not an archive", dir, MetaFile, e.Name())
			}
		}
		m = &Meta{Bases: []*Base{}}
		if err := writeMeta(dir, m); err != nil {
			return nil, fmt.Errorf("open archive: %w", err)
		}
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	listed := map[string]bool{}
	for _, b := range m.Bases {
		listed[b.ID] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && validBaseID(e.Name()) && !listed[e.Name()] {
			log.Warn("removing unfinished base", "id", e.Name())
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("open archive: %w", err)
			}
		}
	}
	for _, b := range m.Bases {
		if err := recoverBase(filepath.Join(dir, b.ID), b, log); err != nil {
			return nil, fmt.Errorf("open archive: base %s: %w", b.ID, err)
		}
	}
	if err := writeMeta(dir, m); err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	return m, nil
}

// recoverBase seals the unsealed segments of b found in dir, removes
// temporary files and rewrites the AOF manifest.
func recoverBase(dir string, b *Base, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("recover base: %w", err)
	}
	last := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpFilePrefix) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		if seq, ok := segmentSeq(e.Name()); ok {
			last = max(last, seq)
		}
	}
	for seq := b.nextSeq(); seq <= last; seq++ {
		if !fileExists(filepath.Join(dir, segmentName(seq))) {
			continue
		}
		m, err := recoverSegment(dir, seq, b.endOffset(), b.endDB())
		if err != nil {
			return err
		}
		if m.Bytes == 0 {
			for _, n := range []string{segmentName(seq), indexName(seq)} {
				if err := os.Remove(filepath.Join(dir, n)); err != nil && !os.IsNotExist(err) {
					return fmt.Errorf("remove empty segment: %w", err)
				}
			}
			continue
		}
		log.Info("recovered segment", "base", b.ID, "file", m.File, "bytes", m.Bytes, "commands", m.Commands, "end_offset", m.EndOffset)
		b.Segments = append(b.Segments, m)
	}
	return writeManifest(dir, sealedSeqs(b))
}

// segmentSeq parses an incr file name.
func segmentSeq(name string) (int, bool) {
	mid, ok := strings.CutPrefix(name, incrPrefix)
	if !ok {
		return 0, false
	}
	mid, ok = strings.CutSuffix(mid, incrSuffix)
	if !ok {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(mid, "%d", &n); err != nil || n <= 0 || segmentName(n) != name {
		return 0, false
	}
	return n, true
}

// durablePrefix finds the longest prefix of an incr file that ends at an
// index entry which is a command boundary outside MULTI. It returns that
// entry, its number in pts, the commands before it and the first entry
// after the file's first command (for its receive time).
func durablePrefix(path string, pts []point) (best point, n int, cmds int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return point{}, -1, 0, fmt.Errorf("scan segment: %w", err)
	}
	defer f.Close()
	n = -1
	valid := make([]int64, len(pts))
	for i := range valid {
		valid[i] = -1
	}
	j := 0
	for ; j < len(pts) && pts[j].pos == 0; j++ {
		valid[j] = 0
	}
	if j < len(pts) {
		scanCommands(f, func(pos, c int64) error {
			for j < len(pts) && pts[j].pos < pos {
				j++
			}
			for ; j < len(pts) && pts[j].pos == pos; j++ {
				valid[j] = c
			}
			if j >= len(pts) {
				return errStopScan
			}
			return nil
		})
	}
	for i := len(pts) - 1; i >= 0; i-- {
		if valid[i] >= 0 {
			return pts[i], i, valid[i], nil
		}
	}
	return point{}, -1, 0, nil
}

// recoverSegment cuts an unsealed segment back to its durable prefix
// (see unsealedPrefix), rewrites its index to match and returns its
// record (Bytes 0 when nothing is left).
func recoverSegment(dir string, seq int, start int64, startDB int) (Segment, error) {
	t, _, err := unsealedPrefix(dir, seq, start, startDB)
	if err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, t.File), os.O_RDWR, 0)
	if err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(t.Bytes); err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, t.Bytes)); err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	var lines []byte
	for _, p := range t.points {
		lines = p.appendLine(lines)
	}
	if err := atomicfile.Write(filepath.Join(dir, t.Index), lines); err != nil {
		return Segment{}, fmt.Errorf("recover segment: %w", err)
	}
	t.SHA256 = hex.EncodeToString(h.Sum(nil))
	return t.Segment, nil
}
