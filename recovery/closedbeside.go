package recovery

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// closedBeside is the primaries' closed start in a rollback, run beside
// the fetch of the backup: each primary's machine was booted held, and
// its server starts closed (startClosed).
type closedBeside struct {
	nodes   []deploy.Node
	done    chan struct{}
	servers map[deploy.Node]*closedServer
	err     error
}

// startClosedBeside starts nodes (machines up, servers held down) closed
// as the span "start closed", beside what the caller does next.
func startClosedBeside(ctx context.Context, tl *Timeline, e Env, nodes []deploy.Node) *closedBeside {
	b := &closedBeside{nodes: nodes, done: make(chan struct{}), servers: map[deploy.Node]*closedServer{}}
	go func() {
		defer close(b.done)
		b.err = tl.Do(spanStartClosed, func() (string, error) {
			cluster := e.Deployment().Topology().Kind == rediskit.KindCluster
			var mu sync.Mutex
			err := forEach(nodes, func(n deploy.Node) error {
				s, err := startClosed(ctx, e, n, cluster)
				if err != nil {
					return err
				}
				mu.Lock()
				b.servers[n] = s
				mu.Unlock()
				return nil
			})
			return fmt.Sprintf("%d primaries: data files quarantined, started empty behind a temporary password (Redis's writable delay runs meanwhile)", len(nodes)), err
		})
	}()
	return b
}

// wait waits for the closed starts; on an error every node b was to
// close is given up (giveUp), so the restore can go on as it does without
// a closed start, and the error returned. A nil b has none.
func (b *closedBeside) wait(ctx context.Context, log *slog.Logger) error {
	if b == nil {
		return nil
	}
	<-b.done
	if b.err == nil {
		return nil
	}
	b.giveUp(ctx, log, b.nodes)
	clear(b.servers)
	return b.err
}

// giveUp undoes the closed start of nodes that were not opened: each
// server is stopped and its drop-in removed.
func (b *closedBeside) giveUp(ctx context.Context, log *slog.Logger, nodes []deploy.Node) {
	_ = forEach(nodes, func(n deploy.Node) error {
		if s, ok := b.servers[n]; ok && s.opened {
			return nil
		}
		if err := (&closedServer{n: n}).abandon(ctx); err != nil {
			log.Warn("give up closed start", "node", n.Name(), "err", err)
		}
		return nil
	})
}

// release gives up every server b closed that was not opened: a rollback
// that failed leaves no server closed (and none serving empty).
func (b *closedBeside) release(ctx context.Context, log *slog.Logger) {
	if b == nil {
		return
	}
	<-b.done
	b.giveUp(ctx, log, slices.Collect(maps.Keys(b.servers)))
}

// owns reports whether n's server was started closed by b.
func (b *closedBeside) owns(n deploy.Node) bool {
	if b == nil {
		return false
	}
	<-b.done
	_, ok := b.servers[n]
	return ok
}

// loadClosed loads each server b started closed with its shard's RDB
// (rdbs, by node) and opens it, and describes what it did ("" when b
// started none).
func loadClosed(ctx context.Context, topo deploy.Topology, b *closedBeside, rdbs map[deploy.Node]string) (string, error) {
	if b == nil || len(b.servers) == 0 {
		return "", nil
	}
	var mu sync.Mutex
	var keys int64
	err := forEach(slices.Collect(maps.Keys(b.servers)), func(n deploy.Node) error {
		rdb, ok := rdbs[n]
		if !ok {
			return fmt.Errorf("load %s: no backup for a server started closed", n.Name())
		}
		s := b.servers[n]
		k, err := s.load(ctx, topo, rdb)
		if err != nil {
			return err
		}
		mu.Lock()
		keys += k
		mu.Unlock()
		return s.open(ctx, topo)
	})
	return fmt.Sprintf("; %d primaries started closed loaded %d keys (DEBUG RELOAD, no restart) and opened", len(b.servers), keys), err
}
