package process

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

// Poll intervals of WaitReady and of Start's own wait for ready.
const (
	readyInterval      = 100 * time.Millisecond
	startReadyInterval = 20 * time.Millisecond
)

// waitReady polls ready every interval for at most timeout, keeping one
// connection per node across polls.
func (dep *Deployment) waitReady(ctx context.Context, timeout, interval time.Duration) error {
	return form.WaitReady(ctx, timeout, interval, dep.logger, dep.ready)
}

// Ready returns nil when the deployment is fully ready, or why it is not
// (form.Ready): every member answers; for a cluster, cluster_state:ok on
// every node, every node sees all members (none failed) and all 16384
// slots covered exactly once; every replica has master_link_status:up and
// has caught up with its primary's offset (a replica whose first sync has
// not finished can never fail over). The reason given is that of the
// first node, in node order, that is not ready.
func (dep *Deployment) Ready(ctx context.Context) error {
	cc := form.NewClients()
	defer cc.Close()
	return dep.ready(ctx, cc)
}

// ready is Ready with the clients of cc.
func (dep *Deployment) ready(ctx context.Context, cc *form.Clients) error {
	return form.Ready(ctx, cc, form.Check[*Node]{Kind: dep.topo.Kind, Nodes: dep.members(), Spares: dep.Spares()})
}
