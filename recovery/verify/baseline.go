package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// ShardBaseline is what one shard held when the baseline was taken.
type ShardBaseline struct {
	Index     int      `json:"index"` // by lowest slot
	Slots     [][2]int `json:"slots"`
	Primary   string   `json:"primary"` // node name
	PrimaryID string   `json:"primary_id"`
	Replicas  int      `json:"replicas"`
	Keys      int64    `json:"keys"`   // DBSIZE on the primary
	Digest    string   `json:"digest"` // DEBUG DIGEST on the primary
}

// Baseline is the per-shard state of a deployment before a fault.
type Baseline struct {
	Time   time.Time       `json:"time"`
	Kind   rediskit.Kind   `json:"kind"`
	Shards []ShardBaseline `json:"shards"`
}

// TotalKeys sums the keys of every shard.
func (b *Baseline) TotalKeys() int64 {
	var t int64
	for _, s := range b.Shards {
		t += s.Keys
	}
	return t
}

// TakeBaseline records, per shard (by slot range), the primary and its key
// count. It does not read a digest: DEBUG DIGEST walks the whole keyspace
// inside Redis's single thread and blocks the primary for O(keys) — at 1M
// keys long enough for clients to time out (measured: write timeouts right
// before the fault in the rollback bench). The deployment must be healthy:
// every shard's primary must answer.
func TakeBaseline(ctx context.Context, dep deploy.Deployment) (Baseline, error) {
	return takeBaseline(ctx, dep, false)
}

// TakeDigestBaseline is TakeBaseline plus each shard's dataset digest
// (DEBUG DIGEST on its primary, which blocks it for O(keys)), for
// Options.CompareDigest. Each shard's primary holds exactly its shard's
// data, so a whole-node digest is a shard digest.
func TakeDigestBaseline(ctx context.Context, dep deploy.Deployment) (Baseline, error) {
	return takeBaseline(ctx, dep, true)
}

func takeBaseline(ctx context.Context, dep deploy.Deployment, withDigest bool) (Baseline, error) {
	if dep == nil {
		return Baseline{}, errors.New("take baseline: nil deployment")
	}
	facts := gather(ctx, dep)
	shards, err := currentShards(dep, facts)
	if err != nil {
		return Baseline{}, fmt.Errorf("take baseline: %w", err)
	}
	keys := map[deploy.Node]int64{}
	for _, f := range facts {
		keys[f.node] = f.keys
	}
	b := Baseline{Time: time.Now(), Kind: dep.Topology().Kind}
	for i, s := range shards {
		if s.Primary == nil {
			return Baseline{}, fmt.Errorf("take baseline: primary %s of slots %s is not a live node", shortID(s.PrimID), slotsString(s.Slots))
		}
		var d string
		if withDigest {
			var err error
			if d, err = digest(ctx, dep, s.Primary); err != nil {
				return Baseline{}, fmt.Errorf("take baseline: %w", err)
			}
		}
		b.Shards = append(b.Shards, ShardBaseline{
			Index: i, Slots: s.Slots, Primary: s.Primary.Name(), PrimaryID: s.PrimID,
			Replicas: len(s.Replicas), Keys: keys[s.Primary], Digest: d,
		})
	}
	return b, nil
}

// currentShards returns the shards ordered by lowest slot.
func currentShards(dep deploy.Deployment, facts []nodeFacts) ([]shard, error) {
	if dep.Topology().Kind != rediskit.KindCluster {
		s, err := replicatedShard(facts, dep.Primary())
		if err != nil {
			return nil, err
		}
		return []shard{s}, nil
	}
	view, _ := referenceView(facts)
	if view == nil {
		return nil, errors.New("read cluster view: no node answered CLUSTER NODES")
	}
	shards := clusterShards(view, byAddr(facts))
	sortShards(shards)
	return shards, nil
}

func sortShards(s []shard) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Slots[0][0] < s[j-1].Slots[0][0]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
