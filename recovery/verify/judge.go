package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// answers is what one round of questions learned about one server,
// named subject (a node's name, or an address): both Check and CheckAddr
// judge them the same way.
type answers struct {
	subject      string
	err          error // unreachable
	repl         map[string]string
	clusterState string
	view         []deploy.ClusterNode
	viewErr      error
}

// answersOf returns the answers of each node's facts.
func answersOf(facts []nodeFacts) []answers {
	out := make([]answers, len(facts))
	for i, f := range facts {
		out[i] = f.answers
	}
	return out
}

// ask asks one server, in one pipeline, for INFO replication and DBSIZE
// and, in a cluster, CLUSTER INFO and CLUSTER NODES.
func ask(ctx context.Context, c *redis.Client, subject string, cluster bool) (answers, int64) {
	a := answers{subject: subject}
	pipe := c.Pipeline()
	info := pipe.Info(ctx, "replication")
	size := pipe.DBSize(ctx)
	var ci, cn *redis.StringCmd
	if cluster {
		ci = pipe.ClusterInfo(ctx)
		cn = pipe.ClusterNodes(ctx)
	}
	_, _ = pipe.Exec(ctx)
	if err := info.Err(); err != nil {
		a.err = fmt.Errorf("ask %s: %w", subject, err)
		return a, 0
	}
	a.repl = rediskit.ParseInfo(info.Val())
	if cluster {
		if err := ci.Err(); err != nil {
			a.viewErr = fmt.Errorf("cluster info: %w", err)
			return a, size.Val()
		}
		a.clusterState = rediskit.ParseInfo(ci.Val())["cluster_state"]
		if a.viewErr = cn.Err(); a.viewErr == nil {
			a.view, a.viewErr = rediskit.ParseClusterNodes(cn.Val())
		}
	}
	return a, size.Val()
}

// judge adds the checks every deployment gets from its servers' answers:
// each reachable; in a cluster cluster_state and slot coverage per server,
// views agreeing and no split brain across them, otherwise at most one
// primary; every replica's link up.
func judge(r *Result, facts []answers, cluster bool) {
	for _, f := range facts {
		r.add(CheckReachable, f.subject, f.err == nil, "%s", errString(f.err))
	}
	if cluster {
		checkCluster(r, facts)
	} else {
		checkSinglePrimary(r, facts)
	}
	for _, f := range facts {
		if f.err == nil && f.repl["role"] == "slave" {
			st := f.repl["master_link_status"]
			r.add(CheckReplicationLink, f.subject, st == "up", "master %s:%s master_link_status:%s", f.repl["master_host"], f.repl["master_port"], st)
		}
	}
}

// checkCluster adds cluster-state and slot-coverage per live server, then
// views-agree and split-brain over every live server's view.
func checkCluster(r *Result, facts []answers) {
	views := map[string][]deploy.ClusterNode{}
	for _, f := range facts {
		if f.err != nil {
			continue
		}
		r.add(CheckClusterState, f.subject, f.clusterState == "ok", "cluster_state:%s", f.clusterState)
		if f.viewErr != nil {
			r.add(CheckSlotCoverage, f.subject, false, "%v", f.viewErr)
			continue
		}
		views[f.subject] = f.view
		missing, double := coverage(f.view)
		r.add(CheckSlotCoverage, f.subject, missing == 0 && double == 0, "%d slots unserved, %d served twice", missing, double)
	}
	n, example := disagreements(views)
	if example != "" {
		example = "; e.g. " + example
	}
	r.add(CheckViewsAgree, "cluster", n == 0, "%d slots with different owners across %d views%s", n, len(views), example)
	problems := splitBrain(views)
	r.add(CheckSplitBrain, "cluster", len(problems) == 0, "%s", strings.Join(problems, "; "))
}

// checkSinglePrimary adds split-brain for a non-cluster deployment: at
// most one live server may act as primary.
func checkSinglePrimary(r *Result, facts []answers) {
	var primaries []string
	for _, f := range facts {
		if f.err == nil && f.repl["role"] == "master" {
			primaries = append(primaries, f.subject)
		}
	}
	r.add(CheckSplitBrain, "deployment", len(primaries) <= 1, "live primaries: %s", strings.Join(primaries, ", "))
}
