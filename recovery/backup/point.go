package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// KindArchivePoint is one RDB materialized from a streaming archive at a
// point: the archive's base and its command stream up to that point,
// loaded by a scratch server and saved (see package archive).
const KindArchivePoint Kind = "archive-point"

// PointMeta describes an archive point besides Meta: the instant and
// replication offset it holds everything up to.
type PointMeta struct {
	Meta
	Time       time.Time // receive time of the last command it holds
	ReplOffset int64     // replication offset just after that command
}

// AddPoint stores the RDB at rdbPath (written by a scratch server that
// loaded an archive up to a point) as a new backup of kind
// KindArchivePoint, after verifying it (structure and CRC-64). The file is
// copied, not moved: rdbPath stays as it was. The manifest's time is the
// point's, so loss bounds measured from "the restored backup's time" hold
// for it as for a snapshot.
func AddPoint(cat *Catalog, rdbPath string, pm PointMeta) (Manifest, error) {
	if cat == nil {
		return Manifest{}, fmt.Errorf("add archive point: nil catalog")
	}
	node := pm.Node
	if node == "" {
		node = "archive"
	}
	p, err := cat.begin(NewID(pm.Time, node+"-point"))
	if err != nil {
		return Manifest{}, fmt.Errorf("add archive point: %w", err)
	}
	m, err := copyPoint(rdbPath, p.dir, pm)
	if err == nil {
		err = p.commit(m)
	}
	if err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("add archive point: %w", err)
	}
	m.ID = p.id
	return m, nil
}

// copyPoint copies the RDB into dir and verifies it (structure and
// CRC-64) in the same pass, and returns its manifest.
func copyPoint(rdbPath, dir string, pm PointMeta) (Manifest, error) {
	in, err := os.Open(rdbPath)
	if err != nil {
		return Manifest{}, fmt.Errorf("open point rdb: %w", err)
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dir, RDBFileName))
	if err != nil {
		return Manifest{}, fmt.Errorf("create point rdb: %w", err)
	}
	defer out.Close()
	h := sha256.New()
	var n countingWriter
	info, err := rdb.Verify(io.TeeReader(in, io.MultiWriter(out, h, &n)))
	if err != nil {
		return Manifest{}, fmt.Errorf("verify point rdb: %w", err)
	}
	if info.Trailing != 0 {
		return Manifest{}, fmt.Errorf("verify point rdb: %d bytes after the checksum", info.Trailing)
	}
	if err := out.Close(); err != nil {
		return Manifest{}, fmt.Errorf("close point rdb: %w", err)
	}
	product, version := info.ServerVersion()
	return Manifest{
		Kind: KindArchivePoint, Node: pm.Node, NodeID: pm.NodeID, Role: pm.Role, Slots: pm.Slots,
		Shard: pm.Shard, Parent: pm.Parent, Note: pm.Note,
		Time: pm.Time.UTC(), ReplOffset: pm.ReplOffset,
		Server: product, ServerVersion: version,
		RDBVersion: info.Version, Keys: info.Keys, RedisVersion: info.RedisVersion(),
		Files: []File{{Name: RDBFileName, Size: int64(n), SHA256: hex.EncodeToString(h.Sum(nil))}},
	}, nil
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
