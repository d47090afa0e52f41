package fault

import (
	"context"
	"sync"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// base holds what every node fault shares: its parameters and the nodes
// the last Inject resolved (Heal acts on those, not on a fresh Resolve, so
// it heals the right nodes after a failover).
type base struct {
	params Params

	mu    sync.Mutex
	nodes []deploy.Node
}

// Params returns the fault's parameters.
func (b *base) Params() Params { return b.params }

// Targets names the nodes the last Inject resolved.
func (b *base) Targets() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.nodes))
	for _, n := range b.nodes {
		out = append(out, n.Name())
	}
	return out
}

// resolve resolves the target and remembers the nodes for Heal.
func (b *base) resolve(ctx context.Context, dep deploy.Deployment) ([]deploy.Node, error) {
	nodes, err := b.params.Target.Resolve(ctx, dep)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.nodes = append([]deploy.Node(nil), nodes...)
	b.mu.Unlock()
	return nodes, nil
}

// resolved returns the nodes remembered by the last Inject.
func (b *base) resolved() []deploy.Node {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]deploy.Node(nil), b.nodes...)
}

// members keeps the nodes that are still part of dep (not retired).
func members(dep deploy.Deployment, nodes []deploy.Node) []deploy.Node {
	if dep == nil {
		return nodes
	}
	in := map[string]bool{}
	for _, n := range dep.Nodes() {
		in[n.Name()] = true
	}
	var out []deploy.Node
	for _, n := range nodes {
		if in[n.Name()] {
			out = append(out, n)
		}
	}
	return out
}
