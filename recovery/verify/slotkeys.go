package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// slotBatch is how many CLUSTER COUNTKEYSINSLOT calls go in one pipeline.
const slotBatch = 1024

// countKeysInSlots sums CLUSTER COUNTKEYSINSLOT over ranges on node n,
// pipelined (a 5461-slot shard takes a few milliseconds).
func countKeysInSlots(ctx context.Context, dep deploy.Deployment, n deploy.Node, ranges [][2]int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := nodeClient(ctx, dep, n, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("count keys in slots: %w", err)
	}
	defer c.Close()
	var total int64
	var batch []*redis.IntCmd
	pipe := c.Pipeline()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("count keys in slots on %s: %w", n.Name(), err)
		}
		for _, cmd := range batch {
			total += cmd.Val()
		}
		batch = batch[:0]
		return nil
	}
	for _, r := range ranges {
		for s := r[0]; s <= r[1]; s++ {
			batch = append(batch, pipe.ClusterCountKeysInSlot(ctx, s))
			if len(batch) == slotBatch {
				if err := flush(); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return total, nil
}

// intersect returns the slots of a that are also in b, as ranges.
func intersect(a, b [][2]int) [][2]int {
	var out [][2]int
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x[0], y[0]), min(x[1], y[1])
			if lo <= hi {
				out = append(out, [2]int{lo, hi})
			}
		}
	}
	return out
}

// slotCount returns how many slots ranges cover.
func slotCount(ranges [][2]int) int {
	n := 0
	for _, r := range ranges {
		n += r[1] - r[0] + 1
	}
	return n
}
