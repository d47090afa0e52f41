package verify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Three primaries a, b, c; d replicates a.
const healthyView = `
aaaa 10.0.0.1:6379@16379 {a}master - 0 0 1 connected 0-5460
bbbb 10.0.0.2:6379@16379 {b}master - 0 0 2 connected 5461-10922
cccc 10.0.0.3:6379@16379 {c}master - 0 0 3 connected 10923-16383
dddd 10.0.0.4:6379@16379 {d}slave aaaa 0 0 1 connected
`

// view renders healthyView as seen by node me ("a".."d").
func view(t *testing.T, me string, edit func(string) string) []deploy.ClusterNode {
	t.Helper()
	text := healthyView
	for _, n := range []string{"a", "b", "c", "d"} {
		flag := ""
		if n == me {
			flag = "myself,"
		}
		text = strings.Replace(text, "{"+n+"}", flag, 1)
	}
	if edit != nil {
		text = edit(text)
	}
	v, err := rediskit.ParseClusterNodes(text)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCoverage(t *testing.T) {
	if m, d := coverage(view(t, "a", nil)); m != 0 || d != 0 {
		t.Fatalf("healthy: %d missing %d double", m, d)
	}
	failed := view(t, "b", func(s string) string {
		return strings.Replace(s, "10.0.0.1:6379@16379 master", "10.0.0.1:6379@16379 master,fail", 1)
	})
	if m, _ := coverage(failed); m != 5461 {
		t.Fatalf("failed primary a: want 5461 unserved, got %d", m)
	}
	overlap := view(t, "b", func(s string) string { return strings.Replace(s, "10923-16383", "10000-16383", 1) })
	if m, d := coverage(overlap); m != 0 || d != 923 {
		t.Fatalf("overlap: %d missing %d double", m, d)
	}
	flushed := view(t, "c", func(s string) string { return strings.Replace(s, " 5461-10922", "", 1) })
	if m, _ := coverage(flushed); m != 5462 {
		t.Fatalf("flushslots on b: want 5462 unserved, got %d", m)
	}
}

func TestSplitBrain(t *testing.T) {
	healthy := map[string][]deploy.ClusterNode{"a": view(t, "a", nil), "b": view(t, "b", nil), "d": view(t, "d", nil)}
	if p := splitBrain(healthy); len(p) != 0 {
		t.Fatalf("healthy: %v", p)
	}
	if n, ex := disagreements(healthy); n != 0 {
		t.Fatalf("healthy views disagree: %d %s", n, ex)
	}
	// d was promoted (takeover) and claims a's slots, while a, partitioned
	// away, still believes it is the primary: both act as primary of 0-5460.
	promoted := view(t, "d", func(s string) string {
		s = strings.Replace(s, "master - 0 0 1 connected 0-5460", "master,fail - 0 0 1 connected", 1)
		return strings.Replace(s, "myself,slave aaaa 0 0 1 connected", "myself,master - 0 0 4 connected 0-5460", 1)
	})
	split := map[string][]deploy.ClusterNode{"a": view(t, "a", nil), "d": promoted}
	p := splitBrain(split)
	if len(p) != 1 || !strings.Contains(p[0], "a and d both act as primary of slots 0-5460") {
		t.Fatalf("want a/d split brain, got %v", p)
	}
	if n, _ := disagreements(split); n != 5461 {
		t.Fatalf("want 5461 slots in disagreement, got %d", n)
	}
	// one view with two primaries on overlapping slots
	inView := map[string][]deploy.ClusterNode{"b": view(t, "b", func(s string) string {
		return strings.Replace(s, "slave aaaa 0 0 1 connected", "master - 0 0 5 connected 100-199", 1)
	})}
	if p := splitBrain(inView); len(p) != 1 || !strings.Contains(p[0], "b sees two primaries for slots 100-199") {
		t.Fatalf("want in-view split brain, got %v", p)
	}
}

func TestRangesString(t *testing.T) {
	if got := rangesString([]int{5, 1, 2, 3, 3, 9}); got != "1-3,5,9" {
		t.Fatalf("got %q", got)
	}
}

func TestResultAccessors(t *testing.T) {
	var r Result
	if r.OK() {
		t.Fatal("an empty result must not be OK")
	}
	r.add(CheckReachable, "n0", true, "")
	r.add(CheckShardWiped, "shard 0", false, "0 keys now, 10 at baseline")
	r.Duration = time.Millisecond
	if r.OK() || len(r.Failed()) != 1 || !r.Has(CheckShardWiped) || r.Has(CheckReachable) {
		t.Fatalf("accessors wrong: %+v", r)
	}
	if s := r.String(); !strings.Contains(s, "1 of 2 checks failed") || !strings.Contains(s, "FAIL shard-wiped[shard 0]") {
		t.Fatalf("string: %s", s)
	}
}

func TestNilDeploymentIsAnErrorNotAPanic(t *testing.T) {
	ctx := context.Background()
	if r := Check(ctx, nil, nil, Options{}); r.OK() {
		t.Fatalf("nil deployment verified OK: %s", r)
	}
	if _, err := TakeBaseline(ctx, nil); err == nil {
		t.Fatal("TakeBaseline(nil): want an error")
	}
	if err := NoSplitBrain(ctx, nil); err == nil {
		t.Fatal("NoSplitBrain(nil): want an error")
	}
}
