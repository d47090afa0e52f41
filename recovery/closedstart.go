package recovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// A closed start runs a primary's server before its data is there, behind
// a temporary password no client knows (a drop-in of the node's config,
// rediskit.ConfDropInDir): it serves nobody, but it runs, so Redis's 2 s
// cluster writable delay (CLUSTER_WRITABLE_DELAY, counted from the
// server's first cluster state update, src/cluster.c) runs while the
// engine still fetches and proves the backup. The data then comes in with
// DEBUG RELOAD NOSAVE (no restart, so no second delay), the AOF is
// rewritten from memory and the server is opened: the drop-in goes first,
// then CONFIG SET gives requirepass back its configured value.

// closedConfName is the drop-in that closes a server.
const closedConfName = "closed.conf"

// closedServer is a node whose server was started closed.
type closedServer struct {
	n        deploy.Node
	password string
	opened   bool
}

// startClosed starts n's stopped server closed and waits until it answers
// (with the temporary password). One script through the machine first
// moves the data files into a quarantine folder (quarantine), writes the
// drop-in and tells whether nodes.conf is there; a cluster node without
// it gets its identity back from its snapshot (restoreIdentity) before
// the start. A closed server starts empty.
func startClosed(ctx context.Context, e Env, n deploy.Node, cluster bool) (*closedServer, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("make temporary password: %w", err)
	}
	s := &closedServer{n: n, password: hex.EncodeToString(b[:])}
	out, err := n.Shell(ctx, closeScript(n.DataDir(), quarantineName(), s.password))
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", n.Name(), err)
	}
	if cluster && !strings.Contains(out, "nodes.conf=yes") {
		if err := restoreIdentity(ctx, e, n); err != nil {
			_ = s.reopenFiles(ctx)
			return nil, fmt.Errorf("restore identity of %s: %w", n.Name(), err)
		}
	}
	if err := n.Start(ctx); err != nil {
		_ = s.reopenFiles(ctx)
		return nil, fmt.Errorf("start %s closed: %w", n.Name(), err)
	}
	if err := s.waitPing(ctx); err != nil {
		_ = s.reopenFiles(ctx)
		return nil, err
	}
	return s, nil
}

// closeScript is the shell script of a closed start in data dir dir: the
// data files (dataFiles) move into the quarantine folder q, the drop-in
// sets requirepass to password, and it prints "nodes.conf=yes" or "=no".
func closeScript(dir, q, password string) string {
	return fmt.Sprintf(`set -e; cd %s; for f in %s; do if [ -e "$f" ]; then mkdir -p %s; mv "$f" %s/; fi; done
mkdir -p %s; printf 'requirepass %%s\n' %s > %s/%s
if [ -e %s ]; then echo nodes.conf=yes; else echo nodes.conf=no; fi`,
		shQuote(dir), strings.Join(dataFiles, " "), shQuote(q), shQuote(q),
		rediskit.ConfDropInDir, password, rediskit.ConfDropInDir, closedConfName, rediskit.NodesConfName)
}

// client is a client of the closed server (it knows the password).
func (s *closedServer) client() *redis.Client {
	c := s.n.Client()
	o := *c.Options()
	_ = c.Close()
	o.Password = s.password
	return redis.NewClient(&o)
}

// waitPing waits until the closed server answers PING, checking every
// 150 ms whether the service manager saw it exit.
func (s *closedServer) waitPing(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c := s.client()
	defer c.Close()
	checked := time.Now()
	for {
		pctx, pcancel := context.WithTimeout(wctx, 500*time.Millisecond)
		err := c.Ping(pctx).Err()
		pcancel()
		if err == nil {
			return nil
		}
		if time.Since(checked) >= 150*time.Millisecond {
			checked = time.Now()
			if code, down, derr := s.n.ServerDown(wctx); derr == nil && down {
				return fmt.Errorf("start %s closed: redis-server exited with code %d", s.n.Name(), code)
			}
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("start %s closed: %w (last error: %v)", s.n.Name(), wctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// load puts a verified RDB into the closed server's data dir, loads it
// with DEBUG RELOAD NOSAVE and starts persisting it in the server's own
// files (startPersist), all before any client can reach it. It returns
// the key count loaded.
func (s *closedServer) load(ctx context.Context, topo deploy.Topology, rdbPath string) (int64, error) {
	stage, err := os.MkdirTemp("", "redisdrill-closed-")
	if err != nil {
		return 0, fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(stage)
	if err := copyFile(rdbPath, filepath.Join(stage, rediskit.RDBFileName)); err != nil {
		return 0, err
	}
	if err := s.n.CopyDirIn(ctx, stage, s.n.DataDir()); err != nil {
		return 0, fmt.Errorf("load backup into %s: %w", s.n.Name(), err)
	}
	c := s.client()
	defer c.Close()
	keys, err := debugLoadVia(ctx, c, s.n.Name(), "RELOAD", "NOSAVE")
	if err != nil {
		return 0, err
	}
	// A new replication ID: whoever follows this server's stream (a
	// replica, the archiver) must full-sync the data loaded, never
	// continue a partial sync from before it.
	if err := c.Do(ctx, "DEBUG", "CHANGE-REPL-ID").Err(); err != nil {
		return 0, fmt.Errorf("change replication id of %s: %w", s.n.Name(), err)
	}
	if _, err := startPersistVia(ctx, c, s.n.Name(), topo); err != nil {
		return 0, err
	}
	return keys, nil
}

// open lets clients in: CONFIG SET gives requirepass its configured value
// back, then the drop-in goes (so a later start is an open one). Clients
// get in at the first step: the second is off the RTO's path. Should the
// engine die between the two, a later start is closed: it refuses every
// client, and never serves empty.
func (s *closedServer) open(ctx context.Context, topo deploy.Topology) error {
	c := s.client()
	defer c.Close()
	if err := c.ConfigSet(ctx, "requirepass", topo.Password).Err(); err != nil {
		return fmt.Errorf("open %s: %w", s.n.Name(), err)
	}
	s.opened = true
	return s.reopenFiles(ctx)
}

// reopenFiles removes the drop-in that closes the server.
func (s *closedServer) reopenFiles(ctx context.Context) error {
	f := path.Join(s.n.DataDir(), rediskit.ConfDropInDir, closedConfName)
	if _, err := s.n.Shell(context.WithoutCancel(ctx), "rm -f "+shQuote(f)); err != nil {
		return fmt.Errorf("open %s: %w", s.n.Name(), err)
	}
	return nil
}

// abandon stops a closed server that will not be loaded and removes its
// drop-in, so the restore can go on the way it does without a closed
// start.
func (s *closedServer) abandon(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return errors.Join(ensureStopped(ctx, s.n), s.reopenFiles(ctx))
}
