package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// dataDirName is the folder of a data-dir backup holding the node's /data.
const dataDirName = "data"

// persistPoll is how often Snapshot polls INFO persistence.
const persistPoll = 50 * time.Millisecond

// Snapshot copies a node's data dir into the catalog. When the node is alive
// it first makes the files current — BGREWRITEAOF when AOF is on, BGSAVE
// otherwise — and waits for that to finish; a stopped node's files are
// copied as they are (through the Docker API, which works on stopped
// containers). The backup is verified before Snapshot returns; a snapshot
// that fails verification stays in the catalog marked failed and is
// returned with an error.
func Snapshot(ctx context.Context, n deploy.Node, cat *Catalog, meta Meta) (Manifest, error) {
	if n == nil || cat == nil {
		return Manifest{}, fmt.Errorf("snapshot: nil node or catalog")
	}
	start := time.Now()
	if meta.Node == "" {
		meta.Node = n.Name()
	}
	m := Manifest{Kind: KindDataDir, Node: meta.Node, NodeID: meta.NodeID, Role: meta.Role, Slots: meta.Slots,
		Shard: meta.Shard, Parent: meta.Parent, Note: meta.Note, ReplOffset: -1}
	if alive(ctx, n) {
		if err := persist(ctx, n); err != nil {
			return Manifest{}, fmt.Errorf("snapshot %s: %w", n.Name(), err)
		}
		describeLive(ctx, n, &m)
	} else if m.Note == "" {
		m.Note = "node not running: files copied as found"
	}
	p, err := cat.begin(NewID(start, meta.Node))
	if err != nil {
		return Manifest{}, fmt.Errorf("snapshot %s: %w", n.Name(), err)
	}
	if err := n.CopyDirOut(ctx, n.DataDir(), filepath.Join(p.dir, dataDirName)); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("snapshot %s: %w", n.Name(), err)
	}
	if m.Files, err = hashTree(p.dir, dataDirName); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("snapshot %s: %w", n.Name(), err)
	}
	describeFiles(filepath.Join(p.dir, dataDirName), &m)
	m.Time, m.DurationMS = start.UTC(), time.Since(start).Milliseconds()
	if err := p.commit(m); err != nil {
		p.abort()
		return Manifest{}, fmt.Errorf("snapshot %s: %w", n.Name(), err)
	}
	m.ID = p.id
	rep, err := cat.Verify(m.ID)
	if err != nil {
		return m, fmt.Errorf("snapshot %s: %w", n.Name(), err)
	}
	if !rep.OK {
		return m, fmt.Errorf("snapshot %s: backup %s fails verification: %s", n.Name(), m.ID, strings.Join(rep.Problems, "; "))
	}
	return m, nil
}

// alive reports whether the node runs and answers PING.
func alive(ctx context.Context, n deploy.Node) bool {
	if running, err := n.Running(ctx); err != nil || !running {
		return false
	}
	if paused, err := n.Paused(ctx); err != nil || paused {
		return false
	}
	return ping(ctx, n, 2*time.Second)
}

// persist makes the node's files current and waits until they are written.
func persist(ctx context.Context, n deploy.Node) error {
	info, err := n.Info(ctx, "persistence")
	if err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	aofOn := info["aof_enabled"] == "1"
	cmd, busy, status := "BGSAVE", "rdb_bgsave_in_progress", "rdb_last_bgsave_status"
	if aofOn {
		cmd, busy, status = "BGREWRITEAOF", "aof_rewrite_in_progress", "aof_last_bgrewrite_status"
	}
	c := n.Client()
	defer c.Close()
	for attempt := 0; ; attempt++ {
		err := c.Do(ctx, cmd).Err()
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "in progress") || attempt > 100 {
			return fmt.Errorf("persist: %s: %w", cmd, err)
		}
		if err := waitIdle(ctx, n, busy); err != nil { // someone else's save first
			return err
		}
	}
	if err := waitIdle(ctx, n, busy); err != nil {
		return err
	}
	info, err = n.Info(ctx, "persistence")
	if err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	if info[status] != "ok" {
		return fmt.Errorf("persist: %s finished with status %q", cmd, info[status])
	}
	return nil
}

// waitIdle polls INFO persistence until no save or rewrite is running or
// scheduled.
func waitIdle(ctx context.Context, n deploy.Node, busy string) error {
	t := time.NewTicker(persistPoll)
	defer t.Stop()
	for {
		info, err := n.Info(ctx, "persistence")
		if err != nil {
			return fmt.Errorf("wait for %s: %w", busy, err)
		}
		if info[busy] == "0" && info["aof_rewrite_scheduled"] != "1" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w", busy, ctx.Err())
		case <-t.C:
		}
	}
}

// describeLive fills role, offset, node id and version from the live node.
func describeLive(ctx context.Context, n deploy.Node, m *Manifest) {
	if repl, err := n.Info(ctx, "replication"); err == nil {
		if m.Role == "" {
			m.Role = roleName(repl["role"])
		}
		if off, err := strconv.ParseInt(repl["master_repl_offset"], 10, 64); err == nil {
			m.ReplOffset = off
		}
	}
	if srv, err := n.Info(ctx, "server"); err == nil {
		m.RedisVersion = srv["redis_version"]
		m.Server, m.ServerVersion = rediskit.ServerVersionOf(srv)
	}
	if m.NodeID == "" {
		if id, err := n.RedisID(ctx); err == nil {
			m.NodeID = id
		}
	}
}

// roleName maps INFO's role to redisdrill's words.
func roleName(r string) string {
	switch r {
	case "master":
		return "primary"
	case "slave":
		return "replica"
	}
	return r
}

// describeFiles takes key count and RDB version from the file Redis would
// load: the AOF base when an AOF manifest exists (plus the number of incr
// commands on top of it), else dump.rdb; and node id, slots and role from
// nodes.conf when the caller did not give them.
func describeFiles(dataDir string, m *Manifest) {
	path := filepath.Join(dataDir, rediskit.RDBFileName)
	aofDir := filepath.Join(dataDir, rediskit.AOFDirName)
	if rep, err := aof.CheckDir(aofDir); err == nil || len(rep.Manifest.Entries) > 0 {
		if b, ok := rep.Manifest.Base(); ok && strings.HasSuffix(b.Name, ".rdb") {
			path = filepath.Join(aofDir, b.Name)
		}
		for _, f := range rep.Files {
			if f.Entry.Type == aof.TypeIncr {
				m.AOFCommands += f.Check.Commands
			}
		}
	}
	if conf, err := os.ReadFile(filepath.Join(dataDir, rediskit.NodesConfName)); err == nil {
		if view, err := rediskit.ParseClusterNodes(string(conf)); err == nil {
			for _, cn := range view {
				if !cn.Has("myself") {
					continue
				}
				if m.NodeID == "" {
					m.NodeID = cn.ID
				}
				if len(m.Slots) == 0 {
					m.Slots = cn.Slots
				}
				if m.Role == "" {
					m.Role = map[bool]string{true: "primary", false: "replica"}[cn.IsPrimary()]
				}
			}
		}
	}
	if info, err := rdb.VerifyFile(path); err == nil {
		m.Keys, m.RDBVersion = info.Keys, info.Version
		if m.RedisVersion == "" {
			m.RedisVersion = info.RedisVersion()
		}
		if m.Server == "" {
			m.Server, m.ServerVersion = info.ServerVersion()
		}
	}
}

// hashTree lists every regular file under root/sub with size and SHA-256,
// names relative to root with forward slashes.
func hashTree(root, sub string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(filepath.Join(root, sub), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		files = append(files, File{Name: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash files: %w", err)
	}
	return files, nil
}
