package process

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// createNode lays out node idx — an address, its folder with an empty
// data dir, its config and log — and its supervisor, and records it. The
// machine is down until Start.
func (dep *Deployment) createNode(idx int, spare bool) (*Node, error) {
	name := fmt.Sprintf("rd-%s-n%d", dep.runID, idx)
	dep.mu.Lock()
	terminated, bindSource := dep.terminated, dep.bindSource
	dep.mu.Unlock()
	if terminated {
		return nil, fmt.Errorf("create node %s: %w", name, errTerminated)
	}
	ip, err := dep.addrs.node()
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	dir := filepath.Join(dep.dir, name)
	dataDir := filepath.Join(dir, dataDirName)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	confPath, logPath := filepath.Join(dir, confFileName), filepath.Join(dir, logFileName)
	if err := os.WriteFile(confPath, []byte(renderConf(dep.topo, ip, dataDir, logPath, bindSource)), 0o644); err != nil {
		return nil, fmt.Errorf("create node %s: write config: %w", name, err)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create node %s: open log: %w", name, err)
	}
	n := &Node{name: name, index: idx, ip: ip, dir: dir, password: dep.topo.Password, dep: dep}
	n.sup = &supervisor{
		node: name, binary: dep.binary, conf: confPath, policy: dep.topo.Restart, log: logf,
		logger: dep.logger,
		server: newFeed(func(e deploy.ServerEvent) time.Time { return e.Time }),
		machine: func(at time.Time, action, detail string) {
			dep.machines.publish(deploy.MachineEvent{Time: at, Node: name, Action: action, Detail: detail})
		},
	}
	dep.register(n, spare)
	return n, nil
}

// reserve returns the first of count consecutive node indexes.
func (dep *Deployment) reserve(count int) int {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	first := dep.next
	dep.next += count
	return first
}

// register records a created node, in index order.
func (dep *Deployment) register(n *Node, spare bool) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	at := sort.Search(len(dep.nodes), func(i int) bool { return dep.nodes[i].index > n.index })
	dep.nodes = slices.Insert(dep.nodes, at, n)
	if spare {
		dep.retired[n.name] = true
		dep.spares[n.name] = true
	}
}

// addNode creates one more node and boots it.
func (dep *Deployment) addNode(ctx context.Context, spare bool) (*Node, error) {
	n, err := dep.createNode(dep.reserve(1), spare)
	if err != nil {
		return nil, err
	}
	return n, n.Start(ctx)
}

// AddNode starts one more node, an empty member with the topology's
// configuration; it joins nothing. It returns once its server process
// runs.
func (dep *Deployment) AddNode(ctx context.Context) (deploy.Node, error) {
	n, err := dep.addNode(ctx, false)
	if n == nil {
		return nil, err
	}
	return n, err
}

// AddSpare starts a warm spare: a running, empty node with the topology's
// configuration that is not a member until Enlist.
func (dep *Deployment) AddSpare(ctx context.Context) (deploy.Node, error) {
	n, err := dep.addNode(ctx, true)
	if n == nil {
		return nil, err
	}
	return n, err
}

// Enlist makes a spare (or a retired node) a member again.
func (dep *Deployment) Enlist(n deploy.Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	delete(dep.retired, n.Name())
	delete(dep.spares, n.Name())
}

// Retire takes a node out of the topology; its process and folder stay
// until Terminate, so nothing is lost before a replacement is verified.
func (dep *Deployment) Retire(n deploy.Node) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.retired[n.Name()] = true
}

// IsMember reports whether n is a node of this run and not retired.
func (dep *Deployment) IsMember(n deploy.Node) bool {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, m := range dep.nodes {
		if deploy.Node(m) == n {
			return !dep.retired[m.name]
		}
	}
	return false
}

// NodeByName returns the node called name, member or not.
func (dep *Deployment) NodeByName(name string) (deploy.Node, bool) {
	n, ok := dep.Node(name)
	if !ok {
		return nil, false
	}
	return n, true
}

// Node returns the node called name as a *Node.
func (dep *Deployment) Node(name string) (*Node, bool) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, n := range dep.nodes {
		if n.name == name {
			return n, true
		}
	}
	return nil, false
}

// members returns the nodes that are part of the topology, in index order.
func (dep *Deployment) members() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	out := make([]*Node, 0, len(dep.nodes))
	for _, n := range dep.nodes {
		if !dep.retired[n.name] {
			out = append(out, n)
		}
	}
	return out
}

// Members returns the nodes that are part of the topology as *Node.
func (dep *Deployment) Members() []*Node { return dep.members() }

// Nodes returns the members (not retired, not spares).
func (dep *Deployment) Nodes() []deploy.Node { return asDeployNodes(dep.members()) }

// AllNodes returns every node of the run, retired ones and spares too.
func (dep *Deployment) AllNodes() []deploy.Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return asDeployNodes(dep.nodes)
}

// Spares returns the warm spares waiting to be enlisted.
func (dep *Deployment) Spares() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	var out []*Node
	for _, n := range dep.nodes {
		if dep.spares[n.name] {
			out = append(out, n)
		}
	}
	return out
}

func asDeployNodes(nodes []*Node) []deploy.Node {
	out := make([]deploy.Node, len(nodes))
	for i, n := range nodes {
		out[i] = n
	}
	return out
}

// Primary returns the primary of a standalone or replicated deployment
// (the first node until SetPrimary); nil when there is none.
func (dep *Deployment) Primary() deploy.Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	switch {
	case dep.primary != nil:
		return dep.primary
	case len(dep.nodes) > 0:
		return dep.nodes[0]
	}
	return nil
}

// SetPrimary records which node is now the primary (after a promotion).
func (dep *Deployment) SetPrimary(n deploy.Node) {
	pn, _ := n.(*Node)
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.primary = pn
}

// Shards reads the shards as via sees them.
func (dep *Deployment) Shards(ctx context.Context, via deploy.Node) ([]deploy.Shard, error) {
	view, err := via.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	return dep.ShardsOf(view), nil
}

// ShardsOf maps a CLUSTER NODES view onto the members.
func (dep *Deployment) ShardsOf(view []deploy.ClusterNode) []deploy.Shard {
	return rediskit.ShardsOf(dep.Nodes(), view)
}
