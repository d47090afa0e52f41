package fault

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// corruptor changes files of a stopped node and reports what it changed. It
// reads what it needs first and marks onset just before its first write or
// delete (a no-op when Inject already marked it before stopping the node).
type corruptor func(ctx context.Context, n deploy.Node, p Params, onset *Onset) ([]Change, error)

// Corrupt is a data-dir corruption fault, as production meets one: the
// damage is latent under the running server and shows when it next starts.
// Inject keeps a pristine copy of /data on the host, changes the files and
// crashes the server (SIGKILL). How the change meets the running server
// depends on the file (corruptMode): a change the server cannot notice (a
// few bytes in the middle of its append-only file, the AOF manifest it
// reads only at start) is made under the running server, and the crash is
// the one destructive instant and the onset; any other is made with the
// server frozen (SIGSTOP: clients stall, its files stay still), and the
// freeze is the onset. A fault on dump.rdb first pauses writes (CLIENT
// PAUSE WRITE: the onset then) and SAVEs, so the file it damages holds
// every acked write, as the RDB a graceful shutdown leaves would. The node's
// service manager then restarts the server by the deployment's restart
// policy and that start meets the damage: Redis refuses the files or
// starts empty. With restart policy "no" the server stays down, unless
// Params.Restart starts it. A node whose server is already down has its
// files changed where they lie.
// Heal starts the node; if it refuses to start, Heal puts the pristine files
// back and starts it again, so it always heals.
type Corrupt struct {
	base
	name    string
	mode    corruptMode
	corrupt corruptor

	cmu     sync.Mutex
	changes []Change
	backups map[string]string // node name -> host dir with the pristine /data
}

// corruptMode says how a corruption meets a running server.
type corruptMode int

const (
	// whileFrozen changes files the running server may rewrite (nodes.conf,
	// the AOF tail it appends to, the whole dir): with the server frozen.
	whileFrozen corruptMode = iota
	// afterSave is whileFrozen for dump.rdb, after writes are paused and a
	// SAVE wrote every acked write into it.
	afterSave
	// underRunning changes bytes the running server neither rewrites nor
	// reads again before its next start: no freeze, and the crash that
	// follows is the onset. The corruptor must change files in place (the
	// server keeps appending through its open descriptor).
	underRunning
)

// Name implements Fault.
func (f *Corrupt) Name() string { return f.name }

// Changes lists the file changes of the last Inject.
func (f *Corrupt) Changes() []Change {
	f.cmu.Lock()
	defer f.cmu.Unlock()
	return append([]Change(nil), f.changes...)
}

// BackupDir returns the host folder holding the pristine /data of node.
func (f *Corrupt) BackupDir(node string) string {
	f.cmu.Lock()
	defer f.cmu.Unlock()
	return f.backups[node]
}

// Inject backs up, freezes, corrupts and crashes every target in turn. The
// onset is marked just before the first freeze; for a target whose server
// is down, just before the first file write.
func (f *Corrupt) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if err := f.injectNode(ctx, n, onset); err != nil {
			return err
		}
	}
	return nil
}

func (f *Corrupt) injectNode(ctx context.Context, n deploy.Node, onset *Onset) error {
	running, err := thawed(ctx, n)
	if err != nil {
		return err
	}
	paused := false
	if running && f.mode == afterSave {
		// The damage must hit the newest dump.rdb, holding every acked
		// write: writes are paused (clients wait, nothing fails: the onset)
		// before the SAVE, and the crash ends the pause.
		onset.Mark()
		if err := pauseAndSave(ctx, n); err != nil {
			return err
		}
		paused = true
	}
	// The pristine copy Heal falls back on must hold every acked write:
	// for dump.rdb it is taken after the SAVE, inside the pause.
	if err := f.keepPristine(ctx, n); err != nil {
		if paused {
			unpauseWrites(ctx, n) // nothing changed: the server serves on
		}
		return err
	}
	supervised := running && n.Supervised()
	if supervised && f.mode == underRunning {
		return f.damageUnderServer(ctx, n, onset)
	}
	if running {
		onset.Mark()
		switch {
		case supervised && paused:
			// A server whose writes are paused right after a SAVE writes
			// no file (no dirty key starts a save, and replicas sync
			// diskless): the pause stands in for the freeze.
		case supervised:
			if err := freezeNode(ctx, n); err != nil {
				return err
			}
		default:
			if err := n.Stop(ctx, gracefulStop); err != nil {
				return err
			}
		}
	}
	changes, err := f.corrupt(ctx, n, f.params, onset)
	f.cmu.Lock()
	f.changes = append(f.changes, changes...)
	f.cmu.Unlock()
	if err != nil {
		if supervised {
			_ = crashNode(ctx, n) // never leave a frozen server behind
		}
		return fmt.Errorf("corrupt %s: %w", n.Name(), err)
	}
	if supervised {
		if err := crashNode(ctx, n); err != nil {
			return err
		}
	}
	if f.params.Restart && (!supervised || n.RestartPolicy() == rediskit.RestartNo) {
		if err := n.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// damageUnderServer changes n's files under its running server, then
// crashes the server: the crash is the onset (the change alone is latent,
// no client notices it). A failed change leaves the server serving.
func (f *Corrupt) damageUnderServer(ctx context.Context, n deploy.Node, onset *Onset) error {
	changes, err := f.corrupt(ctx, n, f.params, nil)
	f.cmu.Lock()
	f.changes = append(f.changes, changes...)
	f.cmu.Unlock()
	if err != nil {
		return fmt.Errorf("corrupt %s: %w", n.Name(), err)
	}
	onset.Mark()
	if err := crashNode(ctx, n); err != nil {
		return err
	}
	if f.params.Restart && n.RestartPolicy() == rediskit.RestartNo {
		return n.Start(ctx)
	}
	return nil
}

// keepPristine copies n's /data to a host folder Heal can restore from.
func (f *Corrupt) keepPristine(ctx context.Context, n deploy.Node) error {
	dir, err := os.MkdirTemp("", "redisdrill-pristine-"+n.Name()+"-")
	if err != nil {
		return fmt.Errorf("create backup dir: %w", err)
	}
	if err := n.CopyDirOut(ctx, n.DataDir(), dir); err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("back up data dir of %s: %w", n.Name(), err)
	}
	f.cmu.Lock()
	defer f.cmu.Unlock()
	if f.backups == nil {
		f.backups = map[string]string{}
	}
	if old := f.backups[n.Name()]; old != "" {
		_ = os.RemoveAll(old)
	}
	f.backups[n.Name()] = dir
	return nil
}

// firstStartTimeout bounds the first start attempt of Heal.
const firstStartTimeout = 30 * time.Second

// Heal makes every target run again, restoring its pristine files if it
// refuses to start as it is.
func (f *Corrupt) Heal(ctx context.Context, _ deploy.Deployment) error {
	return healAll(ctx, f.resolved(), func(ctx context.Context, n deploy.Node) error {
		sctx, cancel := context.WithTimeout(ctx, firstStartTimeout)
		first := ensureRunning(sctx, n)
		cancel()
		f.cmu.Lock()
		backup := f.backups[n.Name()]
		f.cmu.Unlock()
		if first == nil {
			if backup != "" {
				_ = os.RemoveAll(backup)
				f.cmu.Lock()
				delete(f.backups, n.Name())
				f.cmu.Unlock()
			}
			return nil
		}
		if backup == "" {
			return first
		}
		if err := f.restore(ctx, n, backup); err != nil {
			return errors.Join(first, err)
		}
		if err := ensureRunning(ctx, n); err != nil {
			return fmt.Errorf("start %s with its pristine files: %w (first start: %v)", n.Name(), err, first)
		}
		_ = os.RemoveAll(backup)
		f.cmu.Lock()
		delete(f.backups, n.Name())
		f.cmu.Unlock()
		return nil
	})
}

// restore stops n and replaces its /data with the pristine copy.
func (f *Corrupt) restore(ctx context.Context, n deploy.Node, backup string) error {
	if running, err := n.Running(ctx); err == nil && running {
		if err := n.Stop(ctx, gracefulStop); err != nil {
			return err
		}
	}
	if _, err := n.Shell(ctx, "find "+n.DataDir()+" -mindepth 1 -delete"); err != nil {
		return fmt.Errorf("clear data dir of %s: %w", n.Name(), err)
	}
	if err := n.CopyDirIn(ctx, backup, n.DataDir()); err != nil {
		return fmt.Errorf("restore pristine files of %s: %w", n.Name(), err)
	}
	return nil
}

// hexOf renders at most 64 bytes for a Change.
func hexOf(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return hex.EncodeToString(b)
}

// pauseAndSave pauses n's writes (CLIENT PAUSE WRITE) and SAVEs. When the
// SAVE fails the pause is lifted again: a fault that could not be set up
// leaves the server serving writes, not stalled for gracefulStop.
func pauseAndSave(ctx context.Context, n deploy.Node) error {
	c := n.Client()
	defer c.Close()
	if err := c.Do(ctx, "CLIENT", "PAUSE", strconv.Itoa(int(gracefulStop/time.Millisecond)), "WRITE").Err(); err != nil {
		return fmt.Errorf("pause writes on %s before corrupting: %w", n.Name(), err)
	}
	if err := saveWhenIdle(ctx, c); err != nil {
		_ = c.Do(context.WithoutCancel(ctx), "CLIENT", "UNPAUSE").Err()
		return fmt.Errorf("save rdb on %s before corrupting: %w", n.Name(), err)
	}
	return nil
}

// saveWhenIdle runs SAVE once no background save runs. Redis refuses SAVE
// while an RDB child runs ("Background save already in progress"), and a
// replica's full resync starts one at any moment, so a refusal of that kind
// waits for the child and tries again.
func saveWhenIdle(ctx context.Context, c *redis.Client) error {
	for {
		if err := waitNoBGSave(ctx, c); err != nil {
			return err
		}
		err := c.Save(ctx).Err()
		if err == nil || !strings.Contains(err.Error(), "in progress") {
			return err
		}
	}
}

// unpauseWrites lifts a CLIENT PAUSE on n, best effort.
func unpauseWrites(ctx context.Context, n deploy.Node) {
	c := n.Client()
	defer c.Close()
	_ = c.Do(context.WithoutCancel(ctx), "CLIENT", "UNPAUSE").Err()
}
