package recovery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/harness/process"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// TestKeyspaceWatchTellsRestartFromFlush: on local processes a supervisor
// restarts a crashed server within milliseconds, so the engine's keyspace
// watcher can see an empty server before any probe round names the
// restart. A server that came back empty under a new run_id (its AOF
// manifest deleted, then crashed) must read as an empty restart; a FLUSHALL
// on a running server as a keyspace drop. (A CI run classified the first as
// an accidental flush and undid a flush that never happened.)
func TestKeyspaceWatchTellsRestartFromFlush(t *testing.T) {
	if _, err := process.FindBinary(""); err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("needs a server binary (CI=true never skips): %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topo := rediskit.DefaultCluster()
	topo.Replicas, topo.Persistence, topo.AppendFsync = 0, rediskit.PersistAOF, "always"
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dep, err := process.Start(ctx, topo, process.StartOptions{Logger: logger})
	t.Cleanup(func() {
		if dep != nil {
			_ = dep.Terminate(context.Background())
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", topo, err)
	}
	var addrs []string
	for _, n := range dep.Members() {
		addrs = append(addrs, n.Addr())
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Password: topo.Password})
	defer c.Close()
	for i := range 900 {
		if err := c.Set(ctx, fmt.Sprintf("k:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("set: %v", err)
		}
	}
	eng, err := New(ctx, dep, Options{Logger: logger, CatalogDir: t.TempDir(), Detect: detect.Options{NoDocker: true}})
	if err != nil {
		t.Fatalf("create engine: %v", err)
	}
	defer eng.Close()

	watch := func(t *testing.T, shard int, fault func(n *process.Node) error) detect.Event {
		t.Helper()
		if err := eng.Refresh(ctx); err != nil {
			t.Fatalf("refresh: %v", err)
		}
		victim := eng.shards[shard].Primary.(*process.Node)
		wctx, stop := context.WithTimeout(ctx, 20*time.Second)
		defer stop()
		out := make(chan detect.Event, 1)
		go eng.watchKeyspace(wctx, out)
		if err := fault(victim); err != nil {
			t.Fatalf("fault on %s: %v", victim.Name(), err)
		}
		select {
		case ev := <-out:
			if ev.Node != victim.Name() {
				t.Fatalf("event %s on %s, want %s", ev.Kind, ev.Node, victim.Name())
			}
			return ev
		case <-wctx.Done():
			t.Fatal("no event within 20 s")
		}
		return detect.Event{}
	}

	t.Run("restart without its files", func(t *testing.T) {
		ev := watch(t, 0, func(n *process.Node) error {
			if err := os.Remove(filepath.Join(n.DataDir(), rediskit.AOFDirName, "appendonly.aof.manifest")); err != nil {
				return err
			}
			return n.Crash(ctx)
		})
		if ev.Kind != detect.KindEmptyRestart {
			t.Fatalf("event %s (%s), want %s", ev.Kind, ev.Detail, detect.KindEmptyRestart)
		}
	})
	t.Run("flush", func(t *testing.T) {
		ev := watch(t, 1, func(n *process.Node) error {
			nc := n.Client()
			defer nc.Close()
			return nc.FlushAll(ctx).Err()
		})
		if ev.Kind != KindKeyspaceDrop {
			t.Fatalf("event %s (%s), want %s", ev.Kind, ev.Detail, KindKeyspaceDrop)
		}
	})
}
