package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// UndoFlush undoes an accidental FLUSHALL / FLUSHDB on a primary with AOF:
// on a copy of its appendonlydir it removes the last flush command — only
// that command, so writes made after the flush are kept (what the Redis
// persistence docs advise) — then swaps the edited files in (the originals
// are quarantined) and restarts the node, which replays everything else.
type UndoFlush struct{}

// Name implements Strategy.
func (UndoFlush) Name() string { return "undo-flush" }

// Estimate implements Strategy.
func (UndoFlush) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	topo := env.Deployment().Topology()
	if inc.Kind != AccidentalFlush {
		return Estimate{Why: "no flush to undo"}, nil
	}
	if topo.Persistence != rediskit.PersistAOF && topo.Persistence != rediskit.PersistBoth {
		return Estimate{Why: "needs AOF persistence"}, nil
	}
	return Estimate{Applicable: true, Why: "remove the flush from the AOF", LostKeys: 0, Duration: time.Second}, nil
}

// Execute implements Strategy.
func (UndoFlush) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	return rewriteAOF(ctx, env, inc, tl, removeLastFlush)
}

// rewriteAOF stops the failed node (its AOF must not change, or be
// rewritten without its history, while it is edited), edits a copy of its
// appendonlydir with edit, quarantines the originals, loads the copy and
// restarts the node.
func rewriteAOF(ctx context.Context, env Env, inc *Incident, tl *Timeline, edit func(dir string) (string, error)) error {
	n := inc.Failed
	work, err := os.MkdirTemp("", "redisdrill-aof-edit-")
	if err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	defer os.RemoveAll(work)
	src, out := filepath.Join(work, "orig"), filepath.Join(work, "out", rediskit.AOFDirName)
	release, err := holdFailover(ctx, env, inc, tl)
	if err != nil {
		return err
	}
	defer release()
	if err := tl.Do("stop node", func() (string, error) { return n.Name(), ensureStopped(ctx, n) }); err != nil {
		return err
	}
	err = tl.Do("edit copy", func() (string, error) {
		if err := n.CopyDirOut(ctx, n.DataDir()+"/"+rediskit.AOFDirName, src); err != nil {
			return "", err
		}
		if err := copyAll(src, out); err != nil {
			return "", err
		}
		return edit(out)
	})
	if err != nil {
		return err
	}
	return loadAndRejoin(ctx, env, inc, tl, dataFiles, payload{lay: func(dir string) (string, error) {
		return "edited " + rediskit.AOFDirName, copyAll(filepath.Dir(out), dir)
	}})
}

// removeLastFlush finds the last FLUSHALL/FLUSHDB in the incr files of an
// appendonlydir (in load order) and splices that one command out.
func removeLastFlush(dir string) (string, error) {
	entries, _, err := aofEntries(dir)
	if err != nil {
		return "", err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		en := entries[i]
		if en.Type != aof.TypeIncr {
			continue
		}
		p := filepath.Join(dir, en.Name)
		data, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", en.Name, err)
		}
		cmds, err := aof.Commands(data)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", en.Name, err)
		}
		for j := len(cmds) - 1; j >= 0; j-- {
			name := strings.ToUpper(cmds[j].Name())
			if name != "FLUSHALL" && name != "FLUSHDB" {
				continue
			}
			edited := append(append([]byte(nil), data[:cmds[j].Offset]...), data[cmds[j].End:]...)
			if err := os.WriteFile(p, edited, 0o644); err != nil {
				return "", fmt.Errorf("write %s: %w", en.Name, err)
			}
			after := len(cmds) - j - 1
			return fmt.Sprintf("removed %s at offset %d of %s; kept %d commands after it", name, cmds[j].Offset, en.Name, after), nil
		}
	}
	return "", fmt.Errorf("undo flush: no FLUSHALL/FLUSHDB in the AOF of %s", filepath.Base(dir))
}
