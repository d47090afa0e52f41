package fault

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// PartitionNode cuts the target nodes off the Docker network: their link is
// taken down inside the container, so neither peers nor the host reach them.
// The endpoint and its IP stay allocated, so Heal brings the node back at
// the same address (cluster and replication addresses stay valid).
//
// Why not NetworkDisconnect: a disconnect removes the endpoint, which is
// a cable pulled and the port reconfigured, not a partition; and on a
// network without a configured subnet (where the harness cannot pin
// addresses, see harness/netpin.go) the reconnect would get another IP.
type PartitionNode struct {
	base
	gwMu sync.Mutex
	gw   map[string]string // node name -> default gateway before the cut
}

// Name implements Fault.
func (*PartitionNode) Name() string { return "partition-node" }

// Inject takes every target's interface down. The onset is marked after the
// default route is read, just before the first link goes down.
func (f *PartitionNode) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	nodes, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	if iso, ok := isolators(nodes); ok {
		onset.Mark()
		for _, n := range iso {
			if err := n.Isolate(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	if err := requireNetworked(nodes); err != nil {
		return err
	}
	for _, n := range nodes {
		dev, _ := netDevice(n)
		out, err := n.Shell(ctx, "ip route show default")
		if err != nil {
			return fmt.Errorf("read default route of %s: %w", n.Name(), err)
		}
		f.gwMu.Lock()
		if f.gw == nil {
			f.gw = map[string]string{}
		}
		f.gw[n.Name()] = parseDefaultGateway(out)
		f.gwMu.Unlock()
		onset.Mark()
		if _, err := n.Shell(ctx, "ip link set "+dev+" down"); err != nil {
			return fmt.Errorf("cut %s off the network: %w", n.Name(), err)
		}
	}
	return nil
}

// Heal brings every target's interface up, restores its default route and
// waits until the host reaches it again. A target that is no longer running
// was fenced (killed) by the recovery engine while cut off: it is left
// down, for the engine to readmit (a restart brings its link back up).
func (f *PartitionNode) Heal(ctx context.Context, _ deploy.Deployment) error {
	if iso, ok := isolators(f.resolved()); ok {
		// A provider's own rules outlive a fence (unlike a container's
		// link): lift them first, then wait for the nodes still running.
		for _, n := range iso {
			if err := n.Reconnect(ctx); err != nil {
				return err
			}
		}
		return healAll(ctx, f.resolved(), leftToEngine(func(ctx context.Context, n deploy.Node) error { return n.WaitPing(ctx) }))
	}
	return healAll(ctx, f.resolved(), leftToEngine(func(ctx context.Context, n deploy.Node) error {
		dev, err := netDevice(n)
		if err != nil {
			return nil // never cut off
		}
		f.gwMu.Lock()
		gw := f.gw[n.Name()]
		f.gwMu.Unlock()
		script := "ip link set " + dev + " up"
		if gw != "" {
			script += " && ip route replace default via " + gw + " dev " + dev
		}
		if _, err := n.Shell(ctx, script); err != nil {
			return fmt.Errorf("reconnect %s: %w", n.Name(), err)
		}
		return n.WaitPing(ctx)
	}))
}

// parseDefaultGateway reads the gateway from `ip route show default`.
func parseDefaultGateway(out string) string {
	f := strings.Fields(out)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "via" {
			return f[i+1]
		}
	}
	return ""
}
