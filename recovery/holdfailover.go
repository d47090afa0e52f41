package recovery

import (
	"context"
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// holdFailover keeps the shard's live replicas from failing over while a
// strategy has the failed primary stopped to repair or restore its files
// in place (CONFIG SET cluster-replica-no-failover yes). Without it a
// restore that keeps the primary down longer than node-timeout (a slow
// machine, a big file) hands the slots to a replica that may hold nothing
// — it synced the emptied primary — and the restored primary then rejoins
// as that replica's replica and full-syncs the empty dataset. The returned
// release puts each replica's setting back; it runs after the rejoin. A
// replica that cannot be held is named in the span, not an error.
func holdFailover(ctx context.Context, env Env, inc *Incident, tl *Timeline) (func(), error) {
	e := env
	if e.Deployment().Topology().Kind != rediskit.KindCluster {
		return func() {}, nil
	}
	type held struct {
		n    deploy.Node
		prev string
	}
	var hold []held
	release := func() {
		for _, h := range hold {
			c := h.n.QuickClient(quickTimeout)
			_ = c.ConfigSet(context.WithoutCancel(ctx), "cluster-replica-no-failover", h.prev).Err()
			c.Close()
		}
	}
	var live []deploy.Node
	for _, r := range inc.Replicas {
		if e.nodeAlive(ctx, r) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return release, nil
	}
	err := tl.Do("hold failover", func() (string, error) {
		var names, failed []string
		for _, r := range live {
			c := r.QuickClient(quickTimeout)
			prev := "no"
			if m, err := c.ConfigGet(ctx, "cluster-replica-no-failover").Result(); err == nil && m["cluster-replica-no-failover"] != "" {
				prev = m["cluster-replica-no-failover"]
			}
			err := c.ConfigSet(ctx, "cluster-replica-no-failover", "yes").Err()
			c.Close()
			if err != nil {
				// Not fatal: the restore is still the way back; the
				// verification catches a replica that took over.
				failed = append(failed, fmt.Sprintf("%s (%v)", r.Name(), err))
				continue
			}
			hold = append(hold, held{r, prev})
			names = append(names, r.Name())
		}
		detail := "cluster-replica-no-failover yes on " + strings.Join(names, ", ")
		if len(failed) > 0 {
			detail += "; could not hold " + strings.Join(failed, ", ")
		}
		return detail, nil
	})
	return release, err
}
