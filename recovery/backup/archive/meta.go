package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// File names of an archive.
const (
	MetaFile      = "archive.json"
	lockFile      = "archive.lock"
	metaFormat    = "redisdrill-archive/1"
	baseRDBName   = "appendonly.aof.1.base.rdb"
	aofManifest   = "appendonly.aof.manifest"
	incrPrefix    = "appendonly.aof."
	incrSuffix    = ".incr.aof"
	indexSuffix   = ".incr.idx"
	baseIDPrefix  = "base-"
	baseIDDigits  = 6
	tmpFilePrefix = ".tmp-"
)

// Gap is a break in an archive's stream: the primary could not continue
// from the archive's offset (+FULLRESYNC), so a new base starts.
type Gap struct {
	Time              time.Time `json:"time"`
	Reason            string    `json:"reason"`
	PreviousEndOffset int64     `json:"previous_end_offset"` // last durable offset of the previous base
	PreviousReplid    string    `json:"previous_replid,omitempty"`
}

// ReplidChange records a +CONTINUE with a new replication id (PSYNC2,
// after a failover): the stream goes on without a gap.
type ReplidChange struct {
	Replid string    `json:"replid"`
	Offset int64     `json:"offset"` // durable offset when it changed
	Time   time.Time `json:"time"`
	Addr   string    `json:"addr"`
}

// Segment is a sealed segment (an incr file) as archive.json records it.
type Segment struct {
	File        string `json:"file"`         // appendonly.aof.<Seq>.incr.aof
	Seq         int    `json:"seq"`          // sequence number in the AOF manifest
	StartOffset int64  `json:"start_offset"` // replication offset before its first byte
	EndOffset   int64  `json:"end_offset"`   // replication offset after its last command
	FirstMS     int64  `json:"first_ms"`     // receive time of its first command, unix ms
	LastMS      int64  `json:"last_ms"`      // receive time of its last command, unix ms
	Bytes       int64  `json:"bytes"`        // file size
	SHA256      string `json:"sha256"`       // of the file, hex
	Commands    int64  `json:"commands"`     // commands in the file (injected SELECTs included)
	EndDB       int    `json:"end_db"`       // database the stream is in after it
	Index       string `json:"index"`        // appendonly.aof.<Seq>.incr.idx
}

// Base is one base as archive.json records it: an RDB received with
// +FULLRESYNC and the sealed segments that follow it. Its folder (named
// ID) is a multi-part AOF dir.
type Base struct {
	ID          string         `json:"id"`
	Replid      string         `json:"replid"`
	StartOffset int64          `json:"start_offset"`
	Time        time.Time      `json:"time"`
	RDBSHA256   string         `json:"rdb_sha256"`
	RDBSize     int64          `json:"rdb_size"`
	Keys        int64          `json:"keys"`
	Gap         *Gap           `json:"gap"`
	Replids     []ReplidChange `json:"replids,omitempty"`
	Segments    []Segment      `json:"segments"`
}

// endOffset is the offset after the base's last sealed segment.
func (b *Base) endOffset() int64 {
	if n := len(b.Segments); n > 0 {
		return b.Segments[n-1].EndOffset
	}
	return b.StartOffset
}

// endDB is the stream's database after the last sealed segment.
func (b *Base) endDB() int {
	if n := len(b.Segments); n > 0 {
		return b.Segments[n-1].EndDB
	}
	return 0
}

// nextSeq is the sequence number of the segment after the sealed ones.
func (b *Base) nextSeq() int {
	if n := len(b.Segments); n > 0 {
		return b.Segments[n-1].Seq + 1
	}
	return 1
}

// Meta is the content of archive.json.
type Meta struct {
	Format  string    `json:"format"`
	Addr    string    `json:"addr"`
	Replid  string    `json:"replid"`
	Updated time.Time `json:"updated"`
	Bases   []*Base   `json:"bases"`
}

// last returns the newest base, nil when there is none.
func (m *Meta) last() *Base {
	if len(m.Bases) == 0 {
		return nil
	}
	return m.Bases[len(m.Bases)-1]
}

// segmentCount counts the sealed segments of every base.
func (m *Meta) segmentCount() int {
	n := 0
	for _, b := range m.Bases {
		n += len(b.Segments)
	}
	return n
}

// gapCount counts the bases that start with a gap.
func (m *Meta) gapCount() int {
	n := 0
	for _, b := range m.Bases {
		if b.Gap != nil {
			n++
		}
	}
	return n
}

// ReadMeta reads the metadata (archive.json) of the archive in dir; a
// missing file wraps os.ErrNotExist. It is safe while an archiver runs
// (the file is replaced atomically); the open segment is not in it.
func ReadMeta(dir string) (*Meta, error) {
	data, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, fmt.Errorf("read archive metadata: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode archive metadata: %w", err)
	}
	if m.Format != metaFormat {
		return nil, fmt.Errorf("decode archive metadata: format %q, want %q", m.Format, metaFormat)
	}
	for i, b := range m.Bases {
		if b == nil || !validBaseID(b.ID) {
			return nil, fmt.Errorf("decode archive metadata: base %d has no valid id", i)
		}
		for _, s := range b.Segments {
			if s.File != segmentName(s.Seq) {
				return nil, fmt.Errorf("decode archive metadata: base %s: segment %q with seq %d", b.ID, s.File, s.Seq)
			}
		}
	}
	return &m, nil
}

// writeMeta writes dir/archive.json atomically.
func writeMeta(dir string, m *Meta) error {
	m.Format = metaFormat
	m.Updated = time.Now().UTC()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode archive metadata: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, MetaFile), append(data, '\n')); err != nil {
		return fmt.Errorf("write archive metadata: %w", err)
	}
	return nil
}

// baseID names the n-th base.
func baseID(n int) string { return fmt.Sprintf("%s%0*d", baseIDPrefix, baseIDDigits, n) }

// baseNumber parses a base id; ok is false for anything else.
func baseNumber(id string) (int, bool) {
	digits, ok := strings.CutPrefix(id, baseIDPrefix)
	if !ok || len(digits) < baseIDDigits {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || baseID(n) != id {
		return 0, false
	}
	return n, true
}

func validBaseID(id string) bool {
	_, ok := baseNumber(id)
	return ok
}

// segmentName and indexName name the files of segment seq.
func segmentName(seq int) string { return incrPrefix + strconv.Itoa(seq) + incrSuffix }
func indexName(seq int) string   { return incrPrefix + strconv.Itoa(seq) + indexSuffix }

// writeManifest writes a Redis multi-part AOF manifest listing the base
// RDB and the incr files seqs, atomically.
func writeManifest(dir string, seqs []int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "file %s seq 1 type b\n", baseRDBName)
	for _, s := range seqs {
		fmt.Fprintf(&b, "file %s seq %d type i\n", segmentName(s), s)
	}
	if err := atomicfile.Write(filepath.Join(dir, aofManifest), []byte(b.String())); err != nil {
		return fmt.Errorf("write aof manifest: %w", err)
	}
	return nil
}

// sealedSeqs lists the sequence numbers of a base's sealed segments.
func sealedSeqs(b *Base) []int {
	seqs := make([]int, 0, len(b.Segments)+1)
	for _, s := range b.Segments {
		seqs = append(seqs, s.Seq)
	}
	return seqs
}

// fileExists reports whether path exists (errors other than "not found"
// count as existing, so nothing is overwritten by mistake).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
