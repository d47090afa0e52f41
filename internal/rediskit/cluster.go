// Package rediskit holds what redisdrill knows of Redis itself, below the
// engine and the providers alike: CLUSTER NODES and INFO parsing, slot
// ranges, shards, the files a server keeps and the shape of a deployment.
// It imports no Docker and no provider.
package rediskit

import (
	"context"
	"errors"
	"fmt"
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

// SlotRanges splits the 16384 slots evenly over n shards.
func SlotRanges(n int) [][2]int {
	out := make([][2]int, n)
	for i := 0; i < n; i++ {
		out[i] = [2]int{i * TotalSlots / n, (i+1)*TotalSlots/n - 1}
	}
	return out
}

// CheckSlotCoverage returns nil when every slot is served by exactly one
// primary that is not failed.
func CheckSlotCoverage(view []ClusterNode) error {
	var owner [TotalSlots]int8
	for _, cn := range view {
		if !cn.IsPrimary() || cn.Has("fail") {
			continue
		}
		for _, r := range cn.Slots {
			for s := r[0]; s <= r[1] && s < TotalSlots; s++ {
				owner[s]++
			}
		}
	}
	missing, double := 0, 0
	for _, o := range owner {
		switch {
		case o == 0:
			missing++
		case o > 1:
			double++
		}
	}
	if missing > 0 || double > 0 {
		return fmt.Errorf("slot coverage: %d slots unserved, %d served twice", missing, double)
	}
	return nil
}

// Shard is one primary with its replicas and slots; N is the provider's
// (or the engine's) node type.
type Shard[N any] struct {
	Index     int // by lowest slot
	PrimaryID string
	Primary   N // the zero N when the primary is not a known node
	Replicas  []N
	Slots     [][2]int
}

// Addressed is a node known by the address Redis Cluster announces.
type Addressed interface {
	Addr() string
}

// ShardsOf returns the shards of a CLUSTER NODES view, with node ids
// mapped to nodes by address. Shards are ordered by their lowest slot, so
// "shard 0" is stable across failovers.
func ShardsOf[N Addressed](nodes []N, view []ClusterNode) []Shard[N] {
	byAddr := map[string]N{}
	for _, n := range nodes {
		byAddr[n.Addr()] = n
	}
	var shards []Shard[N]
	idx := map[string]int{}
	for _, cn := range view {
		if cn.IsPrimary() && len(cn.Slots) > 0 && !cn.Has("fail") {
			idx[cn.ID] = len(shards)
			shards = append(shards, Shard[N]{PrimaryID: cn.ID, Primary: byAddr[cn.Addr], Slots: cn.Slots})
		}
	}
	for _, cn := range view {
		if i, ok := idx[cn.MasterID]; ok && !cn.Has("fail") {
			if n, ok := byAddr[cn.Addr]; ok {
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

// FirstShards returns the shards as the first of nodes that answers sees
// them (shards reads one node's view).
func FirstShards[N any](ctx context.Context, nodes []N, shards func(context.Context, N) ([]Shard[N], error)) ([]Shard[N], error) {
	var last error = errors.New("no nodes")
	for _, n := range nodes {
		view, err := shards(ctx, n)
		if err == nil && len(view) > 0 {
			return view, nil
		}
		if err != nil {
			last = err
		}
	}
	return nil, fmt.Errorf("read shards: %w", last)
}
