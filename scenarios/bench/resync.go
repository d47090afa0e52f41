package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// resyncTimeout bounds each wait of a replica resync.
const resyncTimeout = 2 * time.Minute

// resync measures Redis's own way to rebuild redundancy: a fresh empty node
// joins, CLUSTER REPLICATE the primary of shard 0 (a cluster node can only
// replicate a primary), and full-syncs. RTO is from REPLICATE to the link up
// with the replica's offset caught up with the primary's offset at that
// moment; container start and MEET are reported as spans outside it.
func resync(ctx context.Context, dep *harness.Deployment, s Sample) (Sample, error) {
	shards, err := dep.Shards(ctx, dep.Nodes()[0])
	if err != nil {
		return s, err
	}
	primary := shards[0].Primary
	if primary == nil {
		return s, fmt.Errorf("resync: shard 0 has no known primary")
	}
	pid, err := primary.RedisID(ctx)
	if err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	start := time.Now()
	fresh, err := dep.AddNode(ctx)
	if err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	if err := fresh.WaitPing(ctx); err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	created := time.Now()
	if err := do(ctx, fresh, "CLUSTER", "MEET", primary.IP(), strconv.Itoa(harness.RedisPort)); err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, resyncTimeout)
	defer cancel()
	if err := poll(wctx, func() (bool, error) {
		view, err := fresh.ClusterNodes(wctx)
		if err != nil {
			return false, nil
		}
		for _, cn := range view {
			if cn.ID == pid && !cn.Has("handshake") {
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		return s, fmt.Errorf("resync: wait for %s to know the primary: %w", fresh.Name(), err)
	}
	met := time.Now()
	if err := do(ctx, fresh, "CLUSTER", "REPLICATE", pid); err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	t0 := time.Now()
	if err := poll(wctx, func() (bool, error) {
		info, err := fresh.Info(wctx, "replication")
		return err == nil && info["master_link_status"] == "up", nil
	}); err != nil {
		s.Error = fmt.Sprintf("full sync did not finish: %v", err)
		return s, nil
	}
	linked := time.Now()
	pinfo, err := primary.Info(wctx, "replication")
	if err != nil {
		return s, fmt.Errorf("resync: %w", err)
	}
	want, _ := strconv.ParseInt(pinfo["master_repl_offset"], 10, 64)
	if err := poll(wctx, func() (bool, error) {
		info, err := fresh.Info(wctx, "replication")
		if err != nil {
			return false, nil
		}
		got, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		return got >= want, nil
	}); err != nil {
		s.Error = fmt.Sprintf("replica did not catch up: %v", err)
		return s, nil
	}
	done := time.Now()
	s.RTOMS = ms(done.Sub(t0))
	s.Spans = []SpanTime{
		{Name: "create container", MS: ms(created.Sub(start))},
		{Name: "meet", MS: ms(met.Sub(created))},
		{Name: "full sync", MS: ms(linked.Sub(t0))},
		{Name: "catch up", MS: ms(done.Sub(linked))},
	}
	return s, nil
}

// do sends one command to a node.
func do(ctx context.Context, n *harness.Node, args ...any) error {
	c := n.Client()
	defer c.Close()
	if err := c.Do(ctx, args...).Err(); err != nil {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = fmt.Sprint(a)
		}
		return fmt.Errorf("%s on %s: %w", strings.Join(parts, " "), n.Name(), err)
	}
	return nil
}

// poll calls f every 10 ms until it reports done, fails or ctx ends.
func poll(ctx context.Context, f func() (bool, error)) error {
	for {
		ok, err := f()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
