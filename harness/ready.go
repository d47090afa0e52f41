package harness

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

// DefaultReadyTimeout bounds WaitReady.
const DefaultReadyTimeout = form.ReadyTimeout

// Poll intervals of WaitReady and of Start's own wait for ready.
const (
	readyInterval      = 100 * time.Millisecond
	startReadyInterval = 20 * time.Millisecond
)

// WaitReady waits until Ready reports nil, polling every 100 ms, for at most
// DefaultReadyTimeout.
func (dep *Deployment) WaitReady(ctx context.Context) error {
	return dep.WaitReadyWithin(ctx, DefaultReadyTimeout)
}

// WaitReadyWithin is WaitReady with its own bound.
func (dep *Deployment) WaitReadyWithin(ctx context.Context, timeout time.Duration) error {
	return dep.waitReady(ctx, timeout, readyInterval)
}

// waitReady polls Ready every interval for at most timeout, keeping one
// connection per node across polls.
func (dep *Deployment) waitReady(ctx context.Context, timeout, interval time.Duration) error {
	return form.WaitReady(ctx, timeout, interval, dep.logger, func(ctx context.Context, cc *form.Clients) error {
		return dep.ready(ctx, &clientCache{cc})
	})
}

// Ready returns nil when the deployment is fully ready, or why it is not
// (form.Ready): every node answers; for a cluster, cluster_state:ok on
// every node and all 16384 slots covered exactly once in every node's
// view; every replica has master_link_status:up and has caught up with
// its primary's offset (a replica whose first sync has not finished can
// never fail over). The reason given is that of the first node, in node
// order, that is not ready. A KindSentinel deployment is ready once its
// Sentinels agree on the one primary and know every replica, linked up,
// and each other.
func (dep *Deployment) Ready(ctx context.Context) error {
	cc := newClientCache()
	defer cc.close()
	return dep.ready(ctx, cc)
}

// ready is Ready with the clients of cc.
func (dep *Deployment) ready(ctx context.Context, cc *clientCache) error {
	nodes := dep.Nodes()
	check := form.Check[*Node]{Kind: dep.Topology.Kind, Nodes: nodes, Spares: dep.Spares()}
	if dep.Topology.Kind == KindSentinel {
		check.Extra = func(ctx context.Context, infos []map[string]string) error {
			return dep.sentinelReady(ctx, cc, nodes, infos)
		}
	}
	return form.Ready(ctx, cc.Clients, check)
}

// Sleep waits for d or until ctx ends, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
