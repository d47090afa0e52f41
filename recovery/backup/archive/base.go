package archive

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// rdbFile is a received base RDB.
type rdbFile struct {
	size   int64
	sha256 string
	keys   int64
}

// receiveRDB writes the payload into dir (created, emptied first) as the
// base RDB, verifying it (structure, CRC-64) while it streams; the file is
// fsync'ed and renamed into place only when the payload verifies.
func receiveRDB(dir string, payload io.Reader) (rdbFile, error) {
	if err := os.RemoveAll(dir); err != nil {
		return rdbFile{}, fmt.Errorf("clear base folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rdbFile{}, fmt.Errorf("create base folder: %w", err)
	}
	tmp := filepath.Join(dir, tmpFilePrefix+baseRDBName)
	f, err := os.Create(tmp)
	if err != nil {
		return rdbFile{}, fmt.Errorf("create base rdb: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	var cw countWriter
	bw := bufio.NewWriterSize(f, 1<<20)
	info, err := rdb.Verify(io.TeeReader(payload, io.MultiWriter(bw, h, &cw)))
	if err != nil {
		return rdbFile{}, fmt.Errorf("receive base rdb: %w", err)
	}
	if info.Trailing != 0 {
		return rdbFile{}, fmt.Errorf("receive base rdb: %d bytes after the checksum", info.Trailing)
	}
	if err := bw.Flush(); err != nil {
		return rdbFile{}, fmt.Errorf("write base rdb: %w", err)
	}
	if err := f.Sync(); err != nil {
		return rdbFile{}, fmt.Errorf("sync base rdb: %w", err)
	}
	if err := f.Close(); err != nil {
		return rdbFile{}, fmt.Errorf("close base rdb: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, baseRDBName)); err != nil {
		return rdbFile{}, fmt.Errorf("rename base rdb: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return rdbFile{}, err
	}
	if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
		return rdbFile{}, err
	}
	return rdbFile{size: cw.n, sha256: hex.EncodeToString(h.Sum(nil)), keys: info.Keys}, nil
}
