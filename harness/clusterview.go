package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// TotalSlots is the number of hash slots of Redis Cluster.
const TotalSlots = 16384

// ClusterNode is one line of CLUSTER NODES.
type ClusterNode struct {
	ID       string
	Addr     string // ip:port
	Flags    []string
	MasterID string // "-" for primaries
	Epoch    int64
	Linked   bool
	Slots    [][2]int
}

// Has reports whether the node carries the flag (myself, master, slave, fail, fail?, handshake, noaddr).
func (c ClusterNode) Has(flag string) bool {
	for _, f := range c.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// IsPrimary reports whether the node is a primary.
func (c ClusterNode) IsPrimary() bool { return c.Has("master") }

// SlotCount returns how many slots the node serves.
func (c ClusterNode) SlotCount() int {
	total := 0
	for _, r := range c.Slots {
		total += r[1] - r[0] + 1
	}
	return total
}

// ParseClusterNodes parses the output of CLUSTER NODES (or a nodes.conf).
func ParseClusterNodes(text string) ([]ClusterNode, error) {
	var out []ClusterNode
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "vars" {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("parse cluster nodes: short line %q", line)
		}
		addr := f[1]
		if i := strings.IndexAny(addr, "@,"); i >= 0 {
			addr = addr[:i]
		}
		epoch, _ := strconv.ParseInt(f[6], 10, 64)
		cn := ClusterNode{ID: f[0], Addr: addr, Flags: strings.Split(f[2], ","), MasterID: f[3], Epoch: epoch, Linked: f[7] == "connected"}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				continue // migrating / importing marker
			}
			lo, hi, found := strings.Cut(s, "-")
			a, err := strconv.Atoi(lo)
			if err != nil {
				return nil, fmt.Errorf("parse cluster nodes: slot %q: %w", s, err)
			}
			b := a
			if found {
				if b, err = strconv.Atoi(hi); err != nil {
					return nil, fmt.Errorf("parse cluster nodes: slot %q: %w", s, err)
				}
			}
			cn.Slots = append(cn.Slots, [2]int{a, b})
		}
		out = append(out, cn)
	}
	return out, nil
}

// Shard is one primary with its replicas and slots.
type Shard struct {
	Index     int // by lowest slot
	PrimaryID string
	Primary   *Node // nil when the primary is not a known node
	Replicas  []*Node
	Slots     [][2]int
}

// Shards returns the shards as the given node sees them (CLUSTER NODES), with
// node ids mapped to the deployment's nodes by address. Shards are ordered by
// their lowest slot, so "shard 0" is stable across failovers.
func (dep *Deployment) Shards(ctx context.Context, via *Node) ([]Shard, error) {
	view, err := via.ClusterNodes(ctx)
	if err != nil {
		return nil, err
	}
	return dep.ShardsOf(view), nil
}

// ShardsOf returns the shards of an already read CLUSTER NODES view (see
// Shards).
func (dep *Deployment) ShardsOf(view []ClusterNode) []Shard {
	byAddr := map[string]*Node{}
	for _, n := range dep.Nodes() {
		byAddr[n.Addr()] = n
	}
	var shards []Shard
	idx := map[string]int{}
	for _, cn := range view {
		if cn.IsPrimary() && len(cn.Slots) > 0 && !cn.Has("fail") {
			idx[cn.ID] = len(shards)
			shards = append(shards, Shard{PrimaryID: cn.ID, Primary: byAddr[cn.Addr], Slots: cn.Slots})
		}
	}
	for _, cn := range view {
		if i, ok := idx[cn.MasterID]; ok && !cn.Has("fail") {
			if n := byAddr[cn.Addr]; n != nil {
				shards[i].Replicas = append(shards[i].Replicas, n)
			}
		}
	}
	sort.Slice(shards, func(a, b int) bool { return shards[a].Slots[0][0] < shards[b].Slots[0][0] })
	for i := range shards {
		shards[i].Index = i
	}
	return shards
}

// ClusterNodes returns CLUSTER NODES as seen by this node.
func (n *Node) ClusterNodes(ctx context.Context) ([]ClusterNode, error) {
	c := n.Client()
	defer c.Close()
	text, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster nodes from %s: %w", n.Name, err)
	}
	return ParseClusterNodes(text)
}

// RedisID returns the node's cluster node id (CLUSTER MYID).
func (n *Node) RedisID(ctx context.Context) (string, error) {
	c := n.Client()
	defer c.Close()
	id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return "", fmt.Errorf("read node id of %s: %w", n.Name, err)
	}
	return id, nil
}

// Info returns one INFO section as key/value pairs.
func (n *Node) Info(ctx context.Context, section string) (map[string]string, error) {
	c := n.Client()
	defer c.Close()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, n.Name, err)
	}
	return ParseInfo(text), nil
}

// ParseInfo parses INFO / CLUSTER INFO output into key/value pairs.
func ParseInfo(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// SlotRanges splits the 16384 slots evenly over n shards.
func SlotRanges(n int) [][2]int {
	out := make([][2]int, n)
	for i := 0; i < n; i++ {
		out[i] = [2]int{i * TotalSlots / n, (i+1)*TotalSlots/n - 1}
	}
	return out
}

// hostOf returns the host part of ip:port.
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// LiveShards returns the shards as the first node that answers sees them.
func (dep *Deployment) LiveShards(ctx context.Context) ([]Shard, error) {
	var last error = errors.New("no nodes")
	for _, n := range dep.Nodes() {
		shards, err := dep.Shards(ctx, n)
		if err == nil && len(shards) > 0 {
			return shards, nil
		}
		if err != nil {
			last = err
		}
	}
	return nil, fmt.Errorf("read shards: %w", last)
}
