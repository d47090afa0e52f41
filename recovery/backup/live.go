package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// RDBFileName is the name of the RDB inside a live-rdb backup.
const RDBFileName = "dump.rdb"

// NodeOptions say how a live backup connects to a node.
type NodeOptions struct {
	// Dial connects to the node; nil uses net.Dialer. With TLS the
	// handshake runs over the connection it returns.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Username is the ACL user sent with AUTH; empty for the default user.
	Username string
	// Password is sent with AUTH; empty sends no AUTH.
	Password string
	// TLS, when non-nil, makes the replication connection TLS with this
	// configuration (remote.ConfigFor names the server when it does not).
	TLS *tls.Config
}

// LiveRDB pulls an RDB from a running node (primary or replica) over the
// replication protocol, as redis-cli --rdb does — AUTH when a password is
// given, REPLCONF rdb-only 1, SYNC, then the "$<len>" or diskless
// "$EOF:<mark>" payload — and stores it in the catalog. The stream is
// written, hashed (SHA-256) and verified (structure and CRC-64) in one pass;
// a payload that does not verify is discarded and returned as an error. dial
// may be nil (net.Dialer). It needs no access to the node's files.
func LiveRDB(ctx context.Context, addr string, dial func(ctx context.Context, network, addr string) (net.Conn, error), password string, cat *Catalog, meta Meta) (Manifest, error) {
	return LiveRDBNode(ctx, addr, NodeOptions{Dial: dial, Password: password}, cat, meta)
}

// LiveRDBNode is LiveRDB with every connection option: an ACL username and
// TLS besides the dialer and password.
func LiveRDBNode(ctx context.Context, addr string, opts NodeOptions, cat *Catalog, meta Meta) (Manifest, error) {
	if cat == nil {
		return Manifest{}, fmt.Errorf("live rdb backup of %s: nil catalog", addr)
	}
	start := time.Now()
	node := meta.Node
	if node == "" {
		node = addr
	}
	p, err := cat.begin(NewID(start, node))
	if err != nil {
		return Manifest{}, fmt.Errorf("live rdb backup of %s: %w", addr, err)
	}
	m, err := liveRDBInto(ctx, addr, opts, p, meta)
	if err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("live rdb backup of %s: %w", addr, err)
	}
	m.Time, m.DurationMS, m.Addr = start.UTC(), time.Since(start).Milliseconds(), addr
	if err := p.commit(m); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("live rdb backup of %s: %w", addr, err)
	}
	m.ID = p.id
	slog.Debug("live rdb backup", "id", m.ID, "addr", addr, "bytes", m.Size(), "keys", m.Keys, "ms", m.DurationMS)
	return m, nil
}

// liveRDBInto streams the RDB into the pending backup's folder.
func liveRDBInto(ctx context.Context, addr string, opts NodeOptions, p *pending, meta Meta) (Manifest, error) {
	c, err := dialRepl(ctx, addr, opts)
	if err != nil {
		return Manifest{}, err
	}
	defer c.conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	payload, err := c.startSync()
	if err != nil {
		return Manifest{}, err
	}
	f, err := os.Create(filepath.Join(p.dir, RDBFileName))
	if err != nil {
		return Manifest{}, fmt.Errorf("create rdb file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	w := bufio.NewWriterSize(f, 1<<20)
	sink := newSink(io.MultiWriter(w, h))
	in := readAhead(payload)
	tee := &teeChunks{in: in, sink: sink}
	info, err := rdb.Verify(tee)
	if err != nil {
		_ = c.conn.Close() // unblocks the read-ahead goroutine
		for range in {
		}
	}
	sinkErr := sink.close()
	if ctx.Err() != nil {
		return Manifest{}, fmt.Errorf("receive rdb: %w", ctx.Err())
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("receive rdb: %w", err)
	}
	if info.Trailing != 0 {
		return Manifest{}, fmt.Errorf("receive rdb: %d bytes after the checksum", info.Trailing)
	}
	if sinkErr != nil {
		return Manifest{}, fmt.Errorf("write rdb file: %w", sinkErr)
	}
	if err := w.Flush(); err != nil {
		return Manifest{}, fmt.Errorf("write rdb file: %w", err)
	}
	if err := f.Close(); err != nil {
		return Manifest{}, fmt.Errorf("close rdb file: %w", err)
	}
	product, version := info.ServerVersion()
	return Manifest{
		Server: product, ServerVersion: version,
		Kind: KindLiveRDB, Node: meta.Node, NodeID: meta.NodeID, Role: meta.Role, Slots: meta.Slots,
		Shard: meta.Shard, Parent: meta.Parent, Note: meta.Note,
		ReplOffset: info.ReplOffset(), RDBVersion: info.Version, Keys: info.Keys, RedisVersion: info.RedisVersion(),
		Files: []File{{Name: RDBFileName, Size: tee.n, SHA256: hex.EncodeToString(h.Sum(nil))}},
	}, nil
}
