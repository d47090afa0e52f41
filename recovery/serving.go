package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/verify"
)

// verifyServing waits until every live node outside the failed one reports
// cluster_state ok with all slots covered once and no two primaries claim
// a slot (no split brain). The failed node is left to the fault's heal.
func (e *Engine) verifyServing(ctx context.Context, inc *Incident) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var last error
	for {
		last = e.servingOnce(ctx, inc)
		if last == nil {
			return "serving: cluster ok, slots covered once, no split brain", nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("verify serving: %w", last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (e *Engine) servingOnce(ctx context.Context, inc *Incident) error {
	if e.dep.Topology().Kind != rediskit.KindCluster {
		return command(ctx, e.dep.Primary(), "SET", "redisdrill:verify", time.Now().UnixNano())
	}
	for _, n := range e.dep.Nodes() {
		if inc != nil && n == inc.Failed {
			continue
		}
		if !pingQuick(ctx, n) {
			continue // other nodes down are not this incident's to fix
		}
		c := n.Client()
		text, err := c.ClusterInfo(ctx).Result()
		c.Close()
		if err != nil {
			return fmt.Errorf("cluster info on %s: %w", n.Name(), err)
		}
		if st := rediskit.ParseInfo(text)["cluster_state"]; st != "ok" {
			return fmt.Errorf("%s: cluster_state %s", n.Name(), st)
		}
		view, err := n.ClusterNodes(ctx)
		if err != nil {
			return err
		}
		if err := rediskit.CheckSlotCoverage(view); err != nil {
			return fmt.Errorf("%s: %w", n.Name(), err)
		}
	}
	return verify.NoSplitBrain(ctx, e.dep)
}
