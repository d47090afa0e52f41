package harness

// setPrimary records the primary of a standalone or replicated deployment.
func (dep *Deployment) setPrimary(n *Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.primary = n
}

// Primary returns the current primary of a standalone or replicated
// deployment (for a cluster, use Shards).
func (dep *Deployment) Primary() *Node {
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
