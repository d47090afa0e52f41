package recovery

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// primaryView builds a cluster view of n slot-owning primaries p0..p(n-1)
// (p0 is the failed one) plus one replica per primary; primaries listed in
// failFlag carry the fail flag.
func primaryView(n int, failFlag ...int) []deploy.ClusterNode {
	flagged := map[int]bool{}
	for _, i := range failFlag {
		flagged[i] = true
	}
	var view []deploy.ClusterNode
	per := rediskit.TotalSlots / n
	for i := 0; i < n; i++ {
		flags := []string{"master"}
		if flagged[i] {
			flags = append(flags, "fail")
		}
		hi := (i+1)*per - 1
		if i == n-1 {
			hi = rediskit.TotalSlots - 1
		}
		id := fmt.Sprintf("p%d", i)
		view = append(view,
			deploy.ClusterNode{ID: id, Addr: fmt.Sprintf("10.0.0.%d:6379", i), Flags: flags, MasterID: "-", Slots: [][2]int{{i * per, hi}}},
			deploy.ClusterNode{ID: fmt.Sprintf("r%d", i), Addr: fmt.Sprintf("10.0.1.%d:6379", i), Flags: []string{"slave"}, MasterID: id})
	}
	return view
}

// liveExcept reports every primary live except those named.
func liveExcept(ids ...string) func(deploy.ClusterNode) bool {
	down := map[string]bool{}
	for _, id := range ids {
		down[id] = true
	}
	return func(cn deploy.ClusterNode) bool { return !down[cn.ID] }
}

func TestFailoverQuorum(t *testing.T) {
	withEmptyPrimary := append(primaryView(3), deploy.ClusterNode{ID: "p9", Addr: "10.0.0.9:6379", Flags: []string{"master"}, MasterID: "-"})
	cases := []struct {
		name       string
		view       []deploy.ClusterNode
		failedID   string
		failedAddr string
		live       func(deploy.ClusterNode) bool
		dead       bool // old primary known dead
		wantTotal  int
		wantVoters int
		wantMode   string
	}{
		{name: "3 primaries, failed one dead", view: primaryView(3), failedID: "p0", live: liveExcept("p0"), dead: true,
			wantTotal: 3, wantVoters: 2, wantMode: "FORCE"},
		{name: "3 primaries, failed one answers (empty restart)", view: primaryView(3), failedID: "p0", live: liveExcept(), dead: true,
			wantTotal: 3, wantVoters: 2, wantMode: "FORCE"},
		{name: "3 primaries, 2 dead, old known dead", view: primaryView(3), failedID: "p0", live: liveExcept("p0", "p1"), dead: true,
			wantTotal: 3, wantVoters: 1, wantMode: "TAKEOVER"},
		{name: "3 primaries, 2 dead, old maybe alive", view: primaryView(3), failedID: "p0", live: liveExcept("p0", "p1"), dead: false,
			wantTotal: 3, wantVoters: 1, wantMode: "FORCE"},
		{name: "5 primaries, 2 unreachable + failed", view: primaryView(5), failedID: "p0", live: liveExcept("p0", "p1", "p2"), dead: true,
			wantTotal: 5, wantVoters: 2, wantMode: "TAKEOVER"},
		{name: "5 primaries, 1 unreachable + failed", view: primaryView(5), failedID: "p0", live: liveExcept("p0", "p1"), dead: true,
			wantTotal: 5, wantVoters: 3, wantMode: "FORCE"},
		{name: "flagged fail does not vote even if it answers", view: primaryView(3, 1), failedID: "p0", live: liveExcept("p0"), dead: true,
			wantTotal: 3, wantVoters: 1, wantMode: "TAKEOVER"},
		{name: "failed matched by address when id unknown", view: primaryView(3), failedAddr: "10.0.0.0:6379", live: liveExcept(), dead: true,
			wantTotal: 3, wantVoters: 2, wantMode: "FORCE"},
		{name: "primary without slots is not in the cluster size", view: withEmptyPrimary, failedID: "p0", live: liveExcept("p0", "p1"), dead: true,
			wantTotal: 3, wantVoters: 1, wantMode: "TAKEOVER"},
		{name: "no view, old known dead", view: nil, failedID: "p0", live: liveExcept(), dead: true,
			wantTotal: 0, wantVoters: 0, wantMode: "TAKEOVER"},
		{name: "no view, old maybe alive", view: nil, failedID: "p0", live: liveExcept(), dead: false,
			wantTotal: 0, wantVoters: 0, wantMode: "FORCE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			total, voters := quorumCounts(tc.view, tc.failedID, tc.failedAddr, tc.live)
			if total != tc.wantTotal || voters != tc.wantVoters {
				t.Fatalf("quorumCounts = total %d, voters %d; want %d, %d", total, voters, tc.wantTotal, tc.wantVoters)
			}
			if got := chooseFailoverMode(total, voters, tc.dead); got != tc.wantMode {
				t.Errorf("chooseFailoverMode(%d, %d, %v) = %s, want %s", total, voters, tc.dead, got, tc.wantMode)
			}
		})
	}
}

func TestChooseFailoverModeNeedsStrictMajority(t *testing.T) {
	cases := []struct {
		total, live int
		dead        bool
		want        string
	}{
		{total: 4, live: 2, dead: true, want: "TAKEOVER"}, // half is not a majority
		{total: 4, live: 3, dead: true, want: "FORCE"},
		{total: 1, live: 0, dead: true, want: "TAKEOVER"},
		{total: 1, live: 0, dead: false, want: "FORCE"},
		{total: 2, live: 1, dead: true, want: "TAKEOVER"},
	}
	for _, tc := range cases {
		if got := chooseFailoverMode(tc.total, tc.live, tc.dead); got != tc.want {
			t.Errorf("chooseFailoverMode(%d, %d, %v) = %s, want %s", tc.total, tc.live, tc.dead, got, tc.want)
		}
	}
}

func TestPromotionLoss(t *testing.T) {
	cases := []struct {
		name           string
		baseline       int64
		replica        int64
		wantApplicable bool
		wantLost       int64
		wantWhy        string // substring; "" means no reason given
	}{
		{name: "counts match", baseline: 1000, replica: 1000, wantApplicable: true},
		{name: "replica ahead (writes after baseline)", baseline: 1000, replica: 1040, wantApplicable: true},
		{name: "within floor tolerance of 10", baseline: 500, replica: 490, wantApplicable: true},
		{name: "just past floor tolerance", baseline: 500, replica: 489, wantApplicable: true, wantLost: 11,
			wantWhy: "replica holds 489 keys, baseline 500: it may have synced an emptied primary"},
		{name: "within 1% of a large baseline", baseline: 1_000_000, replica: 990_000, wantApplicable: true},
		{name: "past 1% of a large baseline", baseline: 1_000_000, replica: 989_999, wantApplicable: true, wantLost: 10_001,
			wantWhy: "replica holds 989999 keys, baseline 1000000"},
		{name: "replica half synced", baseline: 20_000, replica: 3_000, wantApplicable: true, wantLost: 17_000,
			wantWhy: "replica holds 3000 keys, baseline 20000"},
		{name: "replica empty, baseline had keys", baseline: 20_000, replica: 0, wantApplicable: false, wantLost: 20_000,
			wantWhy: "replica holds 0 keys, baseline 20000: it may have synced an emptied primary"},
		{name: "replica empty, small baseline", baseline: 5, replica: 0, wantApplicable: false, wantLost: 5,
			wantWhy: "replica holds 0 keys"},
		{name: "both empty", baseline: 0, replica: 0, wantApplicable: true},
		{name: "baseline unknown", baseline: -1, replica: 0, wantApplicable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := promotionLoss(tc.baseline, tc.replica)
			if got.Applicable != tc.wantApplicable || got.LostKeys != tc.wantLost {
				t.Fatalf("promotionLoss(%d, %d) = %+v, want applicable %v lost %d", tc.baseline, tc.replica, got, tc.wantApplicable, tc.wantLost)
			}
			if tc.wantWhy == "" && got.Why != "" {
				t.Errorf("promotionLoss(%d, %d) gives reason %q for agreeing counts", tc.baseline, tc.replica, got.Why)
			}
			if !strings.Contains(got.Why, tc.wantWhy) {
				t.Errorf("promotionLoss(%d, %d).Why = %q, want it to contain %q", tc.baseline, tc.replica, got.Why, tc.wantWhy)
			}
		})
	}
}

// A replica that lost most of the shard must lose to a restore that keeps
// more: the planner ranks by loss first.
func TestPlannerPrefersRestoreOverWipedReplica(t *testing.T) {
	c := promotionLoss(20_000, 3_000)
	promote := Estimate{Applicable: c.Applicable, LostKeys: c.LostKeys, Duration: 200}
	restore := Estimate{Applicable: true, LostKeys: lossVersus(20_000, 19_900), Duration: 2000}
	if !better(restore, promote) {
		t.Errorf("restore losing %d keys should beat promotion losing %d", restore.LostKeys, promote.LostKeys)
	}
	ok := promotionLoss(20_000, 19_995)
	promote = Estimate{Applicable: ok.Applicable, LostKeys: ok.LostKeys, Duration: 200}
	if !better(promote, restore) {
		t.Error("a replica that holds the data must still win over a restore")
	}
}

// A collapsed shard (the replica synced the emptied primary) is never
// promoted: only a backup still holds its data.
func TestPromoteRefusesCollapsedShard(t *testing.T) {
	est, err := PromoteReplica{}.Estimate(context.Background(), &Engine{}, &Incident{Kind: StartedEmpty, Collapsed: true, PreFaultKeys: 1000})
	if err != nil || est.Applicable {
		t.Fatalf("collapsed shard: estimate %+v, %v; want not applicable", est, err)
	}
}
