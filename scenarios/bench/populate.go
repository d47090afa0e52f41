package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
)

// populateBatch is the number of SETs per pipeline.
const populateBatch = 2000

// KeyName is the name of dataset key i.
func KeyName(i int) string { return "bench:" + strconv.Itoa(i) }

// populate writes keys "bench:<i>" with valueSize-byte values straight to
// the primary owning each key's slot (the one primary off a cluster) (big pipelines, one writer per shard,
// no redirections), then waits until every replica acknowledged them (WAIT).
// DEBUG POPULATE is not used: it is not replicated and ignores slots.
func populate(ctx context.Context, dep *harness.Deployment, keys, valueSize int) (time.Duration, error) {
	start := time.Now()
	if dep.Topology.Kind != harness.KindCluster {
		// One primary holds every key; its replicas acknowledge them.
		ids := make([]int, keys)
		for i := range ids {
			ids[i] = i
		}
		err := writeShard(ctx, dep.Primary(), ids, valuePool(valueSize), valueSize, dep.Topology.Replicas)
		if err != nil {
			return 0, fmt.Errorf("populate: %w", err)
		}
		return time.Since(start), nil
	}
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		return 0, fmt.Errorf("populate: %w", err)
	}
	var owner [harness.TotalSlots]int
	for i := range owner {
		owner[i] = -1
	}
	for si, s := range shards {
		if s.Primary == nil {
			return 0, fmt.Errorf("populate: shard %d has no known primary", s.Index)
		}
		for _, r := range s.Slots {
			for slot := r[0]; slot <= r[1]; slot++ {
				owner[slot] = si
			}
		}
	}
	perShard := make([][]int, len(shards))
	for i := 0; i < keys; i++ {
		o := owner[workload.Slot(KeyName(i))]
		if o < 0 {
			return 0, fmt.Errorf("populate: slot of %s has no owner", KeyName(i))
		}
		perShard[o] = append(perShard[o], i)
	}
	pool := valuePool(valueSize)
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for si, s := range shards {
		wg.Go(func() { errs[si] = writeShard(ctx, s.Primary, perShard[si], pool, valueSize, len(s.Replicas)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("populate: %w", err)
	}
	return time.Since(start), nil
}

// writeShard pipelines the SETs of one shard to its primary.
func writeShard(ctx context.Context, n *harness.Node, ids []int, pool []byte, valueSize, replicas int) error {
	c := n.Client()
	defer c.Close()
	for off := 0; off < len(ids); off += populateBatch {
		end := min(off+populateBatch, len(ids))
		p := c.Pipeline()
		for _, i := range ids[off:end] {
			p.Set(ctx, KeyName(i), value(pool, i, valueSize), 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return fmt.Errorf("write to %s: %w", n.Name(), err)
		}
	}
	if replicas == 0 {
		return nil
	}
	got, err := c.Wait(ctx, replicas, 60_000).Result()
	if err != nil {
		return fmt.Errorf("wait for replicas of %s: %w", n.Name(), err)
	}
	if got < int64(replicas) {
		return fmt.Errorf("wait for replicas of %s: %d of %d acknowledged", n.Name(), got, replicas)
	}
	return nil
}

// valuePool returns random printable bytes from which values are cut, so
// values are distinct and do not compress (as real payloads rarely do).
func valuePool(valueSize int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 1<<20+valueSize)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// value is key i's value: a window of the pool.
func value(pool []byte, i, valueSize int) []byte {
	off := (i * 7919) % (len(pool) - valueSize)
	return pool[off : off+valueSize]
}
