package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Options tune Check. Zero values take the defaults.
type Options struct {
	// ExpectReplicas is the replicas each shard must have (linked and
	// reachable); 0 means the topology's Replicas, negative skips the check.
	ExpectReplicas int
	// MaxKeyLoss is how many keys a shard may have lost against the
	// baseline before key-count fails (default 0: any drop fails).
	MaxKeyLoss int64
	// CompareDigest also compares each shard's DEBUG DIGEST with the
	// baseline's; only meaningful when nothing was written since.
	CompareDigest bool
}

// Check verifies dep now, against base when it is not nil. It never fails
// itself: unreachable nodes and unanswered questions become failed checks.
func Check(ctx context.Context, dep deploy.Deployment, base *Baseline, opts Options) Result {
	start := time.Now()
	r := Result{Time: start}
	if dep == nil {
		r.add(CheckReachable, "deployment", false, "nil deployment")
		return r
	}
	facts := gather(ctx, dep)
	judge(&r, answersOf(facts), dep.Topology().Kind == rediskit.KindCluster)
	shards, err := currentShards(dep, facts)
	if err != nil {
		name := CheckSlotCoverage
		if dep.Topology().Kind != rediskit.KindCluster {
			name = CheckReachable
		}
		r.add(name, "primary", false, "%v", err)
	}
	checkReplicaCounts(&r, dep, facts, shards, opts)
	if base != nil {
		checkAgainstBaseline(ctx, &r, dep, facts, shards, base, opts)
	}
	r.Duration = time.Since(start)
	return r
}

func checkReplicaCounts(r *Result, dep deploy.Deployment, facts []nodeFacts, shards []shard, opts Options) {
	want := opts.ExpectReplicas
	if want == 0 {
		want = dep.Topology().Replicas
	}
	if want <= 0 {
		return
	}
	linked := map[deploy.Node]bool{}
	for _, f := range facts {
		linked[f.node] = f.err == nil && f.repl["master_link_status"] == "up"
	}
	for _, s := range shards {
		got := 0
		for _, rep := range s.Replicas {
			if linked[rep] {
				got++
			}
		}
		r.add(CheckReplicaCount, "slots "+slotsString(s.Slots), got >= want, "%d linked replicas, want %d", got, want)
	}
}

func checkAgainstBaseline(ctx context.Context, r *Result, dep deploy.Deployment, facts []nodeFacts, shards []shard, base *Baseline, opts Options) {
	keys := map[deploy.Node]int64{}
	up := map[deploy.Node]bool{}
	for _, f := range facts {
		keys[f.node], up[f.node] = f.keys, f.err == nil
	}
	for _, b := range base.Shards {
		subject := fmt.Sprintf("shard %d (slots %s)", b.Index, slotsString(b.Slots))
		now, where, err := keysNow(ctx, dep, shards, up, keys, b)
		if err != nil {
			r.add(CheckKeyCount, subject, false, "%v (baseline %d keys on %s)", err, b.Keys, b.Primary)
			continue
		}
		delta := now - b.Keys
		r.add(CheckKeyCount, subject, -delta <= opts.MaxKeyLoss, "%d keys on %s, baseline %d on %s (delta %+d)", now, where, b.Keys, b.Primary, delta)
		wiped := b.Keys > 0 && now == 0
		r.add(CheckShardWiped, subject, !wiped, "%d keys now, %d at baseline", now, b.Keys)
		if !opts.CompareDigest {
			continue
		}
		cur := sameSlots(shards, b.Slots)
		switch {
		case b.Digest == "":
			r.add(CheckDigest, subject, false, "the baseline has no digest (take it with TakeDigestBaseline)")
		case cur == nil || cur.Primary == nil:
			r.add(CheckDigest, subject, false, "slots are no longer served by one primary: no digest to compare")
		default:
			d, err := digest(ctx, dep, cur.Primary)
			if err != nil {
				r.add(CheckDigest, subject, false, "%v", err)
				continue
			}
			r.add(CheckDigest, subject, d == b.Digest, "digest %s, baseline %s", shortID(d), shortID(b.Digest))
		}
	}
}

// sameSlots returns the current shard serving exactly these slots.
func sameSlots(shards []shard, slots [][2]int) *shard {
	for i := range shards {
		if slotsString(shards[i].Slots) == slotsString(slots) {
			return &shards[i]
		}
	}
	return nil
}

// keysNow counts the keys of a baseline shard's slots now: DBSIZE when one
// live primary serves exactly those slots, else CLUSTER COUNTKEYSINSLOT on
// every live primary that serves some of them (slots moved or split).
func keysNow(ctx context.Context, dep deploy.Deployment, shards []shard, up map[deploy.Node]bool, keys map[deploy.Node]int64, b ShardBaseline) (int64, string, error) {
	if cur := sameSlots(shards, b.Slots); cur != nil && cur.Primary != nil && up[cur.Primary] {
		return keys[cur.Primary], cur.Primary.Name(), nil
	}
	if dep.Topology().Kind != rediskit.KindCluster {
		return 0, "", fmt.Errorf("no live primary")
	}
	var total int64
	covered := 0
	var where []string
	for _, s := range shards {
		part := intersect(b.Slots, s.Slots)
		if len(part) == 0 || s.Primary == nil || !up[s.Primary] {
			continue
		}
		n, err := countKeysInSlots(ctx, dep, s.Primary, part)
		if err != nil {
			return 0, "", err
		}
		total += n
		covered += slotCount(part)
		where = append(where, fmt.Sprintf("%s (slots %s)", s.Primary.Name(), slotsString(part)))
	}
	if missing := slotCount(b.Slots) - covered; missing > 0 {
		return 0, "", fmt.Errorf("%d of its slots have no live primary", missing)
	}
	return total, strings.Join(where, " + "), nil
}

func firstSlot(r [][2]int) int {
	if len(r) == 0 {
		return -1
	}
	return r[0][0]
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// NoSplitBrain returns an error when two live primaries serve the same
// slots (cluster) or the same dataset (replicated). It only asks the nodes
// that answer, so it can run continuously while nodes are down.
//
// It asks every node that may still claim slots: members, and retired
// nodes whose container still runs.
func NoSplitBrain(ctx context.Context, dep deploy.Deployment) error {
	if dep == nil {
		return errors.New("check split brain: nil deployment")
	}
	r := Result{}
	facts := gatherEveryOwner(ctx, dep)
	if dep.Topology().Kind == rediskit.KindCluster {
		views := map[string][]deploy.ClusterNode{}
		for _, f := range facts {
			if f.err == nil && f.viewErr == nil {
				views[f.node.Name()] = f.view
			}
		}
		if p := splitBrain(views); len(p) > 0 {
			return fmt.Errorf("split brain: %s", strings.Join(p, "; "))
		}
		return nil
	}
	checkSinglePrimary(&r, answersOf(facts))
	if r.Has(CheckSplitBrain) {
		return fmt.Errorf("split brain: %s", r.Find(CheckSplitBrain)[0].Detail)
	}
	return nil
}
