package main

import (
	"cmp"
	"slices"
	"time"
)

// shardSplit is a split of a scenario selection into shards: which shard
// each scenario runs in and what each shard is expected to take.
type shardSplit struct {
	// count is the number of shards asked for (n of --shard i/n).
	count int
	// shard[j] is the 0-based shard of the selection's j-th scenario.
	shard []int
	// totals[k] is the summed estimate of shard k, for k below
	// min(count, scenarios): the shards beyond get no scenario.
	totals []time.Duration
}

// splitShards splits jobs (one estimate per scenario of the selection, in
// selection order; names break ties) into count shards by greedy
// longest-processing-time assignment: the scenarios, sorted by (estimate
// descending, name, position), go one by one to the shard with the
// smallest total so far, the lowest-numbered among equals. The split
// depends only on the estimates, the names and count, so every CI job
// computes the same one; every scenario lands in exactly one shard; and
// the longest shard is within 4/3 − 1/(3·count) of the best possible
// (Graham's LPT bound), any two shards differing by at most the longest
// estimate. With more shards than scenarios the shards beyond the
// scenarios' count stay empty. count must be ≥ 1.
func splitShards(names []string, est []time.Duration, count int) shardSplit {
	order := make([]int, len(names))
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(est[b], est[a]), cmp.Compare(names[a], names[b]), cmp.Compare(a, b))
	})
	// Shards past the scenario count can never be the least loaded
	// lowest-numbered one while a scenario is left, so they stay empty.
	s := shardSplit{count: count, shard: make([]int, len(names)), totals: make([]time.Duration, min(count, len(names)))}
	for _, j := range order {
		k := 0
		for c := range s.totals {
			if s.totals[c] < s.totals[k] {
				k = c
			}
		}
		s.shard[j] = k
		s.totals[k] += est[j]
	}
	return s
}

// members returns the positions, in selection order, of the scenarios in
// 0-based shard k (none for an empty shard).
func (s shardSplit) members(k int) []int {
	var out []int
	for j, sk := range s.shard {
		if sk == k {
			out = append(out, j)
		}
	}
	return out
}

// total is the summed estimate of 0-based shard k (0 for an empty one).
func (s shardSplit) total(k int) time.Duration {
	if k < len(s.totals) {
		return s.totals[k]
	}
	return 0
}
