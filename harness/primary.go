package harness

import (
	"context"
	"time"
)

// setPrimary records the primary of a standalone or replicated deployment.
func (dep *Deployment) setPrimary(n *Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.primary = n
}

// Primary returns the current primary of a standalone, replicated or
// Sentinel deployment (for a cluster, use Shards). A Sentinel deployment's
// primary is the one its Sentinels name (SentinelPrimary), which follows
// their failovers; when none answers, the last one known.
func (dep *Deployment) Primary() *Node {
	if dep.Topology.Kind == KindSentinel {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(dep.Sentinels()))*sentinelAskTimeout)
		n, err := dep.SentinelPrimary(ctx)
		cancel()
		if err == nil {
			dep.setPrimary(n)
			return n
		}
		dep.logger.Debug("sentinels do not answer; using the last primary known", "err", err)
	}
	return dep.knownPrimary()
}

// knownPrimary is the primary last recorded (formed, set, or named by the
// Sentinels); the first node before any.
func (dep *Deployment) knownPrimary() *Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if dep.primary == nil && len(dep.nodes) > 0 {
		return dep.nodes[0]
	}
	return dep.primary
}

// SetPrimary tells the deployment which node is now the primary (after a
// promotion), so clients that follow the primary reach the new one.
func (dep *Deployment) SetPrimary(n *Node) { dep.setPrimary(n) }
