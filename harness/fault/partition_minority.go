package fault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"golang.org/x/sync/errgroup"
)

// PartitionMinority isolates the target (a primary) with Params.Companions
// other nodes from the rest: inside every container a blackhole route is
// added for each node on the other side, in both directions. The host still
// reaches both sides, so clients keep writing to the isolated primary —
// writes it acks after the majority failed it over are lost on heal.
// A deployment's Sentinels (see SentinelMachines) are on the majority
// side: the routes to and from the minority are blackholed in their
// machines too, so they lose the primary as the replicas do and fail it
// over; otherwise they would keep reaching it and never act.
type PartitionMinority struct {
	base
	routesMu sync.Mutex
	routes   map[deploy.Node][]string // node -> IPs blackholed in it
	minority []string
}

// Name implements Fault.
func (*PartitionMinority) Name() string { return "partition-minority" }

// Minority names the nodes of the minority side of the last Inject.
func (f *PartitionMinority) Minority() []string {
	f.routesMu.Lock()
	defer f.routesMu.Unlock()
	return append([]string(nil), f.minority...)
}

// Inject installs the blackhole routes. The onset is marked after the sides
// are picked, just before the first route is installed.
func (f *PartitionMinority) Inject(ctx context.Context, dep deploy.Deployment, onset *Onset) error {
	targets, err := f.resolve(ctx, dep)
	if err != nil {
		return err
	}
	sentinels := sentinelNodes(dep)
	if err := requireNetworked(append(dep.Nodes(), sentinels...)); err != nil {
		return err
	}
	minority, err := f.pickMinority(ctx, dep, targets)
	if err != nil {
		return err
	}
	inMinority := map[deploy.Node]bool{}
	for _, n := range minority {
		inMinority[n] = true
	}
	var majority []deploy.Node
	for _, n := range dep.Nodes() {
		if !inMinority[n] {
			majority = append(majority, n)
		}
	}
	if len(majority) == 0 {
		return errors.New("partition minority: no node left on the majority side")
	}
	majority = append(majority, sentinels...)
	routes := map[deploy.Node][]string{}
	for _, a := range minority {
		for _, b := range majority {
			routes[a] = append(routes[a], b.IP())
			routes[b] = append(routes[b], a.IP())
		}
	}
	f.routesMu.Lock()
	f.routes = routes
	f.minority = nil
	for _, n := range minority {
		f.minority = append(f.minority, n.Name())
	}
	f.routesMu.Unlock()
	// Every node at once: one exec per node took 2.7 s in a row on a loaded
	// 2-core host, a partition that builds up over seconds.
	var g errgroup.Group
	for _, n := range append(dep.Nodes(), sentinels...) {
		ips := routes[n]
		if len(ips) == 0 {
			continue
		}
		script := "set -e; for ip in " + strings.Join(ips, " ") + "; do ip route replace blackhole $ip/32; done"
		onset.Mark()
		g.Go(func() error {
			if _, err := n.Shell(ctx, script); err != nil {
				return fmt.Errorf("blackhole routes on %s: %w", n.Name(), err)
			}
			return nil
		})
	}
	return g.Wait()
}

// pickMinority returns the targets plus Companions other nodes, replicas of
// other shards first (so the majority keeps the target's replica and can
// fail it over), then any other node.
func (f *PartitionMinority) pickMinority(ctx context.Context, dep deploy.Deployment, targets []deploy.Node) ([]deploy.Node, error) {
	out := append([]deploy.Node(nil), targets...)
	if f.params.Companions == 0 {
		return out, nil
	}
	taken := map[deploy.Node]bool{}
	for _, n := range targets {
		taken[n] = true
	}
	var preferred, rest []deploy.Node
	if dep.Topology().Kind == rediskit.KindCluster {
		shards, err := deploy.LiveShards(ctx, dep)
		if err != nil {
			return nil, fmt.Errorf("pick minority: %w", err)
		}
		for _, sh := range shards {
			if taken[sh.Primary] {
				for _, r := range sh.Replicas {
					taken[r] = true // keep the target's replicas with the majority
					rest = append(rest, r)
				}
				continue
			}
			preferred = append(preferred, sh.Replicas...)
		}
		for _, sh := range shards {
			if sh.Primary != nil && !taken[sh.Primary] {
				rest = append(rest, sh.Primary)
			}
		}
	} else {
		for _, n := range dep.Nodes() {
			if !taken[n] {
				preferred = append(preferred, n)
			}
		}
	}
	for _, n := range append(preferred, rest...) {
		if len(out) == len(targets)+f.params.Companions {
			break
		}
		if n != nil && !inList(out, n) {
			out = append(out, n)
		}
	}
	if len(out) < len(targets)+f.params.Companions {
		return nil, fmt.Errorf("pick minority: want %d companions, only %d other nodes", f.params.Companions, len(out)-len(targets))
	}
	return out, nil
}

func inList(list []deploy.Node, n deploy.Node) bool {
	for _, m := range list {
		if m == n {
			return true
		}
	}
	return false
}

// Heal deletes the blackhole routes and checks none is left. A node the
// recovery engine fenced (killed) meanwhile is left down for it to readmit.
func (f *PartitionMinority) Heal(ctx context.Context, _ deploy.Deployment) error {
	f.routesMu.Lock()
	routes := f.routes
	f.routesMu.Unlock()
	var errs []error
	for n, ips := range routes {
		script := "for ip in " + strings.Join(ips, " ") + "; do ip route del blackhole $ip/32 2>/dev/null; done; " +
			"ip route show type blackhole"
		out, err := n.Shell(ctx, script)
		if err != nil {
			if !stoppedByEngine(ctx, n) { // a fenced node's routes went with its stop
				errs = append(errs, fmt.Errorf("delete blackhole routes on %s: %w", n.Name(), err))
			}
			continue
		}
		for _, ip := range ips {
			if strings.Contains(out, ip+" ") || strings.Contains(out, ip+"\n") {
				errs = append(errs, fmt.Errorf("delete blackhole routes on %s: %s still blackholed", n.Name(), ip))
			}
		}
	}
	return errors.Join(errs...)
}
