package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/scenarios"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want shardFlag
	}{
		{"1/1", shardFlag{index: 1, count: 1}},
		{"2/4", shardFlag{index: 2, count: 4}},
		{"4/4", shardFlag{index: 4, count: 4}},
		{" 3/40 ", shardFlag{index: 3, count: 40}},
		{"all/4", shardFlag{count: 4, all: true}},
	} {
		got, err := parseShard(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseShard(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "4", "0/4", "5/4", "a/b", "1/b", "a/4", "1/0", "0/0", "-1/4", "+1/4", "1/-4", "1/4/2", "1 /4", "1/99999999999999999999999", "all/0", "ALL/4", "1.5/4", "/4", "1/"} {
		if got, err := parseShard(bad); err == nil {
			t.Errorf("parseShard(%q) = %+v, want an error", bad, got)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("parseShard(%q): error of several lines: %q", bad, err)
		}
	}
}

// TestEstimate pins the time model the split balances by.
func TestEstimate(t *testing.T) {
	pke, err := scenarios.Find("primary-kill-engine")
	if err != nil {
		t.Fatal(err)
	}
	if pke.Topology.NodeCount() != 6 || pke.HealAt != 0 || pke.WarmUp != 0 || pke.Settle != 0 {
		t.Fatalf("primary-kill-engine is no longer a plain 3x1 drill: update this test")
	}
	// 3x1 start 6 s + warm-up 2 s + RTOMax/3 + settle 0.5 s + finish 1 s.
	if got, want := estimate(pke), 9500*time.Millisecond+pke.Expect.RTOMax/3; got != want {
		t.Errorf("estimate(primary-kill-engine) = %s, want %s", got, want)
	}
	// A heal on a timer adds its wait; a 3x0 starts in 5 s; the warm
	// spare is one more node.
	s := pke
	s.Topology.Replicas = 0
	s.HealAt = 9 * time.Second
	s.Expect.RTOMax = 6 * time.Second
	if got, want := estimate(s), (5+2+2+9+1)*time.Second+500*time.Millisecond; got != want {
		t.Errorf("healed on a timer on 3x0: %s, want %s", got, want)
	}
	s.WarmSpare = true
	if got, want := estimate(s), (5+2+2+9+1)*time.Second+500*time.Millisecond+time.Second/3; got != want {
		t.Errorf("with a warm spare: %s, want %s", got, want)
	}
	for _, sc := range scenarios.All() {
		if e := estimate(sc); e < 8*time.Second || e > time.Minute {
			t.Errorf("%s: estimate %s out of range", sc.Name, e)
		}
	}
	// A matrix counts each server's run; a server that skips counts 0.
	skip := pke
	skip.OnServers = map[string]scenarios.ServerRule{"valkey": {Skip: "not here"}}
	servers := []harness.Server{{Name: "redis-7.0", Product: "redis"}, {Name: "valkey-9", Product: "valkey"}}
	if got := estimateOn(pke, servers); got != 2*estimate(pke) {
		t.Errorf("on two servers: %s", got)
	}
	if got := estimateOn(skip, servers); got != estimate(pke) {
		t.Errorf("skipped on one of two servers: %s", got)
	}
}

// registrySplit splits the whole registry into n shards.
func registrySplit(t *testing.T, n int) ([]scenarios.Scenario, []time.Duration, shardSplit) {
	t.Helper()
	list := scenarios.All()
	est := make([]time.Duration, len(list))
	for j, s := range list {
		est[j] = estimate(s)
	}
	return list, est, splitOf(list, nil, n)
}

// TestSplitCoversSelection: for every n the shards' union is the
// selection with no overlap, each shard in selection order, the split is
// the same whatever order the selection comes in, and any two shards
// differ by at most the longest estimate.
func TestSplitCoversSelection(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, len(scenarios.All()), len(scenarios.All()) + 5, 1000} {
		list, est, split := registrySplit(t, n)
		seen := map[int]int{}
		shardOf := map[string]int{}
		for k := range n {
			members := split.members(k)
			if !slices.IsSorted(members) {
				t.Errorf("n=%d shard %d not in selection order: %v", n, k+1, members)
			}
			var total time.Duration
			for _, j := range members {
				seen[j]++
				shardOf[list[j].Name] = k
				total += est[j]
			}
			if total != split.total(k) {
				t.Errorf("n=%d shard %d: total %s, members add up to %s", n, k+1, split.total(k), total)
			}
			if k >= len(list) && len(members) > 0 {
				t.Errorf("n=%d shard %d beyond the scenario count has %d", n, k+1, len(members))
			}
		}
		for j := range list {
			if seen[j] != 1 {
				t.Errorf("n=%d: %s in %d shards", n, list[j].Name, seen[j])
			}
		}
		lo, hi := slices.Min(split.totals), slices.Max(split.totals)
		if hi-lo > slices.Max(est) {
			t.Errorf("n=%d: shards %s..%s differ by more than the longest estimate %s", n, lo, hi, slices.Max(est))
		}
		// Reversed and shuffled selections split the same way.
		for _, perm := range [][]scenarios.Scenario{reversed(list), shuffled(list)} {
			again := splitOf(perm, nil, n)
			for j, s := range perm {
				if again.shard[j] != shardOf[s.Name] {
					t.Errorf("n=%d: %s moves from shard %d to %d when the selection is reordered", n, s.Name, shardOf[s.Name]+1, again.shard[j]+1)
				}
			}
		}
	}
}

func reversed(l []scenarios.Scenario) []scenarios.Scenario {
	out := slices.Clone(l)
	slices.Reverse(out)
	return out
}

func shuffled(l []scenarios.Scenario) []scenarios.Scenario {
	out := slices.Clone(l)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// TestSplitWithinLPTBound checks Graham's bound on random instances small
// enough to know the best split: the longest shard is within
// 4/3 − 1/(3n) of the optimum.
func TestSplitWithinLPTBound(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 3))
	for trial := range 300 {
		jobs := 2 + r.IntN(8)
		n := 2 + r.IntN(3)
		names := make([]string, jobs)
		est := make([]time.Duration, jobs)
		for j := range jobs {
			names[j] = fmt.Sprintf("s%02d", j)
			est[j] = time.Duration(1+r.IntN(40)) * time.Second
		}
		split := splitShards(names, est, n)
		got := slices.Max(split.totals)
		best := optimum(est, n)
		if float64(got) > (4.0/3.0-1.0/(3.0*float64(n)))*float64(best)+1 {
			t.Errorf("trial %d: %v in %d shards: makespan %s, optimum %s beyond the LPT bound", trial, est, n, got, best)
		}
	}
}

// optimum is the smallest possible longest shard, by exhaustive search.
func optimum(est []time.Duration, n int) time.Duration {
	loads := make([]time.Duration, n)
	best := time.Duration(1<<62 - 1)
	var place func(j int)
	place = func(j int) {
		if j == len(est) {
			best = min(best, slices.Max(loads))
			return
		}
		for k := range loads {
			loads[k] += est[j]
			if loads[k] < best {
				place(j + 1)
			}
			loads[k] -= est[j]
			if loads[k] == 0 {
				break // empty shards are interchangeable
			}
		}
	}
	place(0)
	return best
}

// TestSplitTies: equal estimates go by name, so the split is fixed.
func TestSplitTies(t *testing.T) {
	names := []string{"d", "b", "a", "c"}
	est := []time.Duration{time.Second, time.Second, time.Second, time.Second}
	split := splitShards(names, est, 2)
	// Sorted a, b, c, d go to shards 1, 2, 1, 2.
	want := []int{1, 1, 0, 0}
	if !slices.Equal(split.shard, want) {
		t.Errorf("shards %v, want %v", split.shard, want)
	}
}

// TestSelectionShards: drill's selection with --shard i/n over every i is
// the --label selection, each scenario once.
func TestSelectionShards(t *testing.T) {
	const label = "recovery && !native"
	all, err := scenarios.Select(nil, label)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 4, len(all) + 2} {
		var union []string
		for i := 1; i <= n; i++ {
			o := drillOptions{label: label, shard: shardFlag{index: i, count: n}}
			part, err := o.selection(nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range part {
				union = append(union, s.Name)
			}
		}
		slices.Sort(union)
		var want []string
		for _, s := range all {
			want = append(want, s.Name)
		}
		if !slices.Equal(union, want) {
			t.Errorf("n=%d: union of shards %v, want %v", n, union, want)
		}
	}
	o := drillOptions{shard: shardFlag{count: 4, all: true}}
	if _, err := o.selection(nil); err == nil || !strings.Contains(err.Error(), "add --list") {
		t.Errorf("all/4 without --list: err = %v", err)
	}
}
