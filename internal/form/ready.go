package form

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// ReadyTimeout is the providers' default bound of a wait for ready.
const ReadyTimeout = 90 * time.Second

// Check is what Ready checks: the members of a topology of kind Kind, in
// order, its warm spares, and what else the provider's topology needs.
type Check[N Member] struct {
	Kind  rediskit.Kind
	Nodes []N
	// Spares are warm spares: a slotless primary at a spare's address in
	// a cluster node's view is not counted.
	Spares []N
	// Extra, when set, runs after the cluster checks with each member's
	// INFO replication (by position in Nodes); its error is the reason
	// the topology is not ready (the Docker provider's Sentinels).
	Extra func(ctx context.Context, infos []map[string]string) error
}

// Ready returns nil when the topology is fully ready, or why it is not:
// every member answers; for a cluster, cluster_state:ok on every node,
// every node sees all members (none failed) and all 16384 slots covered
// exactly once; every replica has master_link_status:up and has caught up
// with its primary's offset (a replica whose first sync has not finished
// can never fail over). Members are asked in parallel, one client of cc
// each; replicas are read again after every primary, so a replica is
// compared with an offset its primary had already reached. The reason
// given is that of the first member, in order, that is not ready.
func Ready[N Member](ctx context.Context, cc *Clients, ch Check[N]) error {
	nodes := ch.Nodes
	if len(nodes) == 0 {
		return errors.New("no nodes")
	}
	clients := make([]*redis.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = cc.Client(n)
	}
	infos := make([]map[string]string, len(nodes))
	if err := Each(cc, nodes, func(i int, n N) error {
		if err := pingOnce(ctx, clients[i], n.Name()); err != nil {
			return err
		}
		info, err := infoOf(ctx, clients[i], n.Name(), "replication")
		infos[i] = info
		return err
	}); err != nil {
		return err
	}
	offsets := map[string]int64{} // primary ip -> master_repl_offset
	var replicas []int
	for i, n := range nodes {
		if infos[i]["role"] == "master" {
			off, _ := strconv.ParseInt(infos[i]["master_repl_offset"], 10, 64)
			offsets[n.IP()] = off
		} else {
			replicas = append(replicas, i)
		}
	}
	if ch.Kind == rediskit.KindCluster {
		spareAddrs := map[string]bool{}
		for _, s := range ch.Spares {
			spareAddrs[s.Addr()] = true
		}
		if err := Each(cc, nodes, func(i int, n N) error {
			return clusterOK(ctx, clients[i], n.Name(), len(nodes), len(replicas), spareAddrs)
		}); err != nil {
			return err
		}
	}
	if ch.Extra != nil {
		if err := ch.Extra(ctx, infos); err != nil {
			return err
		}
	}
	return Each(cc, nodes, func(i int, r N) error {
		if !slices.Contains(replicas, i) {
			return nil
		}
		info, err := infoOf(ctx, clients[i], r.Name(), "replication")
		if err != nil {
			return err
		}
		if info["master_link_status"] != "up" {
			return fmt.Errorf("replica %s: master_link_status %s", r.Name(), info["master_link_status"])
		}
		off, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		if want, ok := offsets[info["master_host"]]; ok && off < want {
			return fmt.Errorf("replica %s: offset %d behind primary %d", r.Name(), off, want)
		}
		return nil
	})
}

// WaitReady calls ready every interval, with one client cache across the
// calls, until it returns nil, for at most timeout; logger hears each new
// reason at Debug level.
func WaitReady(ctx context.Context, timeout, interval time.Duration, logger *slog.Logger,
	ready func(ctx context.Context, cc *Clients) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cc := NewClients()
	defer cc.Close()
	var last error
	for {
		err := ready(ctx, cc)
		if err == nil {
			return nil
		}
		if last == nil || err.Error() != last.Error() {
			logger.Debug("not ready", "reason", err)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for ready: %w (last: %v)", ctx.Err(), last)
		case <-time.After(interval):
		}
	}
}

// Each runs check on every member in parallel and returns the error of
// the first member, in order, whose check failed. A member whose
// connection failed (an error marked by Transport) loses its cached
// client: a go-redis pool that failed to dial waits before it dials
// again, which would hide a member that came back.
func Each[N Member](cc *Clients, nodes []N, check func(i int, n N) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			errs[i] = check(i, n)
			var te transportError
			if errors.As(errs[i], &te) {
				cc.Evict(n)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pingOnce pings the member called name through c, within a second.
func pingOnce(ctx context.Context, c *redis.Client, name string) error {
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("ping %s: %w", name, Transport(err))
	}
	return nil
}

// infoOf reads one INFO section of the member called name through c.
func infoOf(ctx context.Context, c *redis.Client, name, section string) (map[string]string, error) {
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("read info %s from %s: %w", section, name, Transport(err))
	}
	return rediskit.ParseInfo(text), nil
}

// clusterOK checks cluster_state, slot coverage and membership in the
// view of the node called name: it must list every node, none failed,
// with as many replicas as there are nodes in the replica role, each the
// replica of a primary it lists. A warm spare (its address in spares)
// that joined as a slotless primary is not counted.
func clusterOK(ctx context.Context, c *redis.Client, name string, nodes, replicas int, spares map[string]bool) error {
	text, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("cluster info on %s: %w", name, Transport(err))
	}
	if ci := rediskit.ParseInfo(text); ci["cluster_state"] != "ok" {
		return fmt.Errorf("node %s: cluster_state %s (slots ok %s of %s assigned, size %s, %s nodes known)", name,
			ci["cluster_state"], ci["cluster_slots_ok"], ci["cluster_slots_assigned"], ci["cluster_size"], ci["cluster_known_nodes"])
	}
	nodesText, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return fmt.Errorf("read cluster nodes from %s: %w", name, Transport(err))
	}
	view, err := rediskit.ParseClusterNodes(nodesText)
	if err != nil {
		return err
	}
	seenReplicas, seenSpares := 0, 0
	for _, cn := range view {
		if spares[cn.Addr] && len(cn.Slots) == 0 {
			seenSpares++
			continue
		}
		if cn.Has("fail") || cn.Has("fail?") || cn.Has("handshake") {
			return fmt.Errorf("node %s sees %s as %v", name, cn.Addr, cn.Flags)
		}
		if cn.Has("slave") {
			seenReplicas++
		}
	}
	primaries := map[string]bool{}
	for _, cn := range view {
		if cn.IsPrimary() {
			primaries[cn.ID] = true
		}
	}
	for _, cn := range view {
		if cn.Has("slave") && !primaries[cn.MasterID] {
			return fmt.Errorf("node %s sees replica %s of no known primary (%s)", name, cn.Addr, cn.MasterID)
		}
	}
	if len(view)-seenSpares != nodes || seenReplicas != replicas {
		return fmt.Errorf("node %s sees %d nodes / %d replicas, want %d / %d", name, len(view)-seenSpares, seenReplicas, nodes, replicas)
	}
	return rediskit.CheckSlotCoverage(view)
}
