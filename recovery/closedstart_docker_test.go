package recovery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// A server started closed serves nobody: a client without the temporary
// password is refused (never an empty reply) from the start, through the
// load, until open; then it serves what was loaded, the drop-in is gone,
// and a restart serves the same data to every client (the AOF was
// rewritten from memory before the open).
func TestClosedStartServesNobodyUntilOpened(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep, eng := clusterEngine(ctx, t)
	shards, err := deploy.LiveShards(ctx, dep)
	if err != nil || len(shards) == 0 || shards[0].Primary == nil {
		t.Fatalf("read shards: %v (%d shards)", err, len(shards))
	}
	n, topo := shards[0].Primary, dep.Topology()

	// The backup: keys of the shard's slots, saved and copied out.
	c := n.Client()
	defer c.Close()
	want := 0
	for i := 0; want < 200; i++ {
		k := fmt.Sprintf("closed-%d", i)
		if !inSlots(workload.Slot(k), shards[0].Slots) {
			continue
		}
		if err := c.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
		want++
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatalf("save: %v", err)
	}
	data, err := n.ReadFile(ctx, n.DataDir()+"/"+rediskit.RDBFileName)
	if err != nil {
		t.Fatalf("read rdb: %v", err)
	}
	rdb := filepath.Join(t.TempDir(), "backup.rdb")
	if err := os.WriteFile(rdb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatalf("flushall: %v", err)
	}
	if err := ensureStopped(ctx, n); err != nil {
		t.Fatalf("stop: %v", err)
	}

	s, err := startClosed(ctx, eng, n, true)
	if err != nil {
		t.Fatalf("start closed: %v", err)
	}
	refused := func(when string) {
		t.Helper()
		err := c.Get(ctx, "closed-0").Err()
		if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Fatalf("%s: a client without the temporary password got %v, want NOAUTH", when, err)
		}
	}
	refused("started closed")
	sc := s.client()
	defer sc.Close()
	if keys, err := sc.DBSize(ctx).Result(); err != nil || keys != 0 {
		t.Fatalf("closed server holds %d keys (%v), want an empty start", keys, err)
	}
	keys, err := s.load(ctx, topo, rdb)
	if err != nil || keys != int64(want) {
		t.Fatalf("load: %d keys (%v), want %d", keys, err, want)
	}
	refused("loaded, not opened")
	if err := s.open(ctx, topo); err != nil {
		t.Fatalf("open: %v", err)
	}
	if got, err := c.DBSize(ctx).Result(); err != nil || got != int64(want) {
		t.Fatalf("opened: DBSIZE %d (%v), want %d", got, err, want)
	}
	if _, err := n.ReadFile(ctx, path.Join(n.DataDir(), rediskit.ConfDropInDir, closedConfName)); err == nil {
		t.Fatal("the drop-in that closes the server is still there after open")
	}
	if _, err := waitPersisted(ctx, n, topo); err != nil {
		t.Fatalf("persist: %v", err)
	}
	if err := ensureStopped(ctx, n); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := startAndLoad(ctx, n); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if got, err := c.DBSize(ctx).Result(); err != nil || got != int64(want) {
		t.Fatalf("after a restart: DBSIZE %d (%v), want %d from the rewritten AOF", got, err, want)
	}
}

// A closed start that is abandoned (a rollback that failed) leaves the
// server stopped and no drop-in behind: the next start is an open one.
func TestClosedStartAbandonLeavesNoDropIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dep, eng := clusterEngine(ctx, t)
	n := dep.Nodes()[0]
	if err := ensureStopped(ctx, n); err != nil {
		t.Fatalf("stop: %v", err)
	}
	b := &closedBeside{nodes: []deploy.Node{n}, done: make(chan struct{}), servers: map[deploy.Node]*closedServer{}}
	s, err := startClosed(ctx, eng, n, true)
	if err != nil {
		t.Fatalf("start closed: %v", err)
	}
	b.servers[n] = s
	close(b.done)
	b.release(ctx, eng.log())
	if _, down, err := n.ServerDown(ctx); err != nil || !down {
		t.Fatalf("after release the server is down = %v (%v), want stopped", down, err)
	}
	if _, err := n.ReadFile(ctx, path.Join(n.DataDir(), rediskit.ConfDropInDir, closedConfName)); err == nil {
		t.Fatal("the drop-in is still there after release")
	}
	if err := startAndLoad(ctx, n); err != nil {
		t.Fatalf("start after release (an open one): %v", err)
	}
}

// clusterEngine starts a 3x1 cluster and an engine on it (closed with the
// test).
func clusterEngine(ctx context.Context, t *testing.T) (deploy.Deployment, *Engine) {
	t.Helper()
	dep := testenv.StartDeployment(ctx, t, rediskit.DefaultCluster()).Engine()
	eng, err := New(ctx, dep, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CatalogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("create engine: %v", err)
	}
	t.Cleanup(eng.Close)
	return dep, eng
}

// inSlots reports whether slot lies in one of ranges.
func inSlots(slot int, ranges [][2]int) bool {
	for _, r := range ranges {
		if slot >= r[0] && slot <= r[1] {
			return true
		}
	}
	return false
}
