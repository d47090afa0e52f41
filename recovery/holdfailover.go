package recovery

import (
	"context"
	"fmt"
	"strings"
	"sync"

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
	return holdReplicas(ctx, env, inc.Replicas, tl)
}

// holdReplicas is holdFailover for every live node of replicas: a
// whole-cluster rollback holds every replica that survived, so none takes
// its primary's slots while that primary is restored (a loaded CI-like
// run saw a replica win an election 8.7 s after a FLUSHALL and a machine
// loss, and the restored primary full-sync its empty dataset).
func holdReplicas(ctx context.Context, env Env, replicas []deploy.Node, tl *Timeline) (func(), error) {
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
	// Asked at once: a dead node costs a PING timeout (quickTimeout) in
	// probe mode, and a whole-cluster crash has every replica dead.
	alive := make([]bool, len(replicas))
	var wg sync.WaitGroup
	for i, r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			alive[i] = e.nodeAlive(ctx, r)
		}()
	}
	wg.Wait()
	var live []deploy.Node
	for i, r := range replicas {
		if alive[i] {
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
