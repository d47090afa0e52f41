package workload

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ProbeKeyPrefix starts every probe key.
const ProbeKeyPrefix = "redisdrill:probe"

// maxProbeSearch bounds the search for a key hashing into a shard; any
// non-empty slot range is hit well before it.
const maxProbeSearch = 1 << 22

// ProbeKeys returns one key per shard whose hash slot falls in that shard's
// slot ranges (shards[i] = the [start, end] ranges of shard i, inclusive).
// With no shards given, a ClusterClient is asked for its slot map (one key
// per primary, in slot order) and any other client gets a single key.
func ProbeKeys(ctx context.Context, client redis.UniversalClient, shards [][][2]int) ([]string, error) {
	if len(shards) == 0 {
		cc, ok := client.(*redis.ClusterClient)
		if !ok {
			return []string{probeKey(0, 0)}, nil
		}
		var err error
		if shards, err = clusterShards(ctx, cc); err != nil {
			return nil, fmt.Errorf("probe keys: %w", err)
		}
	}
	keys := make([]string, len(shards))
	for i, ranges := range shards {
		if len(ranges) == 0 {
			return nil, fmt.Errorf("probe keys: shard %d has no slots", i)
		}
		for _, r := range ranges {
			if r[0] < 0 || r[1] >= 16384 || r[0] > r[1] {
				return nil, fmt.Errorf("probe keys: shard %d has invalid slot range %d-%d", i, r[0], r[1])
			}
		}
		key, ok := keyInRanges(i, ranges)
		if !ok {
			return nil, fmt.Errorf("probe keys: no key found for shard %d", i)
		}
		keys[i] = key
	}
	return keys, nil
}

func probeKey(shard, n int) string {
	return ProbeKeyPrefix + ":s" + strconv.Itoa(shard) + ":" + strconv.Itoa(n)
}

func keyInRanges(shard int, ranges [][2]int) (string, bool) {
	for n := 0; n < maxProbeSearch; n++ {
		k := probeKey(shard, n)
		s := Slot(k)
		for _, r := range ranges {
			if s >= r[0] && s <= r[1] {
				return k, true
			}
		}
	}
	return "", false
}

// clusterShards returns the slot ranges of each primary, ordered by lowest slot.
func clusterShards(ctx context.Context, cc *redis.ClusterClient) ([][][2]int, error) {
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster slots: %w", err)
	}
	byPrimary := map[string][][2]int{}
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		id := s.Nodes[0].ID
		if id == "" {
			id = s.Nodes[0].Addr
		}
		byPrimary[id] = append(byPrimary[id], [2]int{int(s.Start), int(s.End)})
	}
	if len(byPrimary) == 0 {
		return nil, errors.New("read cluster slots: no slot is served")
	}
	out := make([][][2]int, 0, len(byPrimary))
	for _, rs := range byPrimary {
		sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0][0] < out[j][0][0] })
	return out, nil
}
