package recovery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// failFlagPoll is how often watchFailFlag reads a peer's view.
const failFlagPoll = 100 * time.Millisecond

// failFlagWatch follows, through one live peer's CLUSTER NODES, whether the
// cluster flags the failed primary FAIL while the engine restores it. A
// primary kept down past node-timeout is flagged FAIL, and Redis clears
// the flag on a primary that owns slots only 2 × node-timeout after it is
// reachable again (CLUSTER_FAIL_UNDO_TIME_MULT): the shard stays down that
// long whatever the engine did, and the report says so instead of leaving
// an unexplained verify span.
type failFlagWatch struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	first, last time.Time
	peer        string
}

// watchFailFlag starts following inc.Failed's FAIL flag on a cluster; it
// returns nil for other deployments or when no peer is known.
func (e *Engine) watchFailFlag(ctx context.Context, inc *Incident) *failFlagWatch {
	if e.dep.Topology().Kind != rediskit.KindCluster || inc == nil || inc.Failed == nil {
		return nil
	}
	var peer deploy.Node
	for _, n := range e.dep.Nodes() {
		if n != inc.Failed && !containsNode(inc.Replicas, n) {
			peer = n
			break
		}
	}
	if peer == nil {
		return nil
	}
	id := inc.FailedID
	addr := inc.Failed.Addr()
	ctx, cancel := context.WithCancel(ctx)
	w := &failFlagWatch{cancel: cancel, done: make(chan struct{}), peer: peer.Name()}
	go func() {
		defer close(w.done)
		t := time.NewTicker(failFlagPoll)
		defer t.Stop()
		for {
			view, err := peer.ClusterNodes(ctx)
			if err == nil {
				for _, cn := range view {
					if (id != "" && cn.ID == id) || (id == "" && cn.Addr == addr) {
						if cn.Has("fail") {
							now := time.Now()
							w.mu.Lock()
							if w.first.IsZero() {
								w.first = now
							}
							w.last = now
							w.mu.Unlock()
						}
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// stop ends the watch and returns the observation, or "" when the cluster
// never flagged the node FAIL.
func (w *failFlagWatch) stop(node string, t0 time.Time, nodeTimeout time.Duration) string {
	if w == nil {
		return ""
	}
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first.IsZero() {
		return ""
	}
	return fmt.Sprintf("fail-flag: %s saw %s flagged FAIL from +%s to +%s after t0 (held ≥ %s; node-timeout %s: Redis clears FAIL on a primary with slots 2 × node-timeout after it is reachable again)",
		w.peer, node, w.first.Sub(t0).Round(10*time.Millisecond), w.last.Sub(t0).Round(10*time.Millisecond),
		w.last.Sub(w.first).Round(10*time.Millisecond), nodeTimeout)
}

func containsNode(list []deploy.Node, n deploy.Node) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
