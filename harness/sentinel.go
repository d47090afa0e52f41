package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// SentinelMaster is the name a KindSentinel deployment's Sentinels monitor
// its primary under, and clients ask them for (rediskit's).
const SentinelMaster = rediskit.SentinelMaster

// sentinelAskTimeout bounds one question to one Sentinel in Primary: a
// Sentinel that does not answer in time is skipped for the next.
const sentinelAskTimeout = 500 * time.Millisecond

// Sentinels returns the Sentinel nodes of a KindSentinel deployment, in
// index order; nil for other kinds. Each is a machine of its own (a
// container labelled with the run, on the run network, its Sentinel
// supervised as a node's server is) listening on RedisPort at its own
// address. They are not members of the topology: Nodes and AllNodes list
// the Redis servers only, which is what the engine, the faults and the
// watcher act on.
func (dep *Deployment) Sentinels() []*Node {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return slices.Clone(dep.sentinels)
}

// SentinelAddrs returns the Sentinels' addresses (ip:port on the run
// network), as a Sentinel-aware client is given them; dial them with
// Dialer.
func (dep *Deployment) SentinelAddrs() []string {
	var out []string
	for _, s := range dep.Sentinels() {
		out = append(out, s.Addr())
	}
	return out
}

// startSentinel creates and starts Sentinel idx and waits until it
// answers, marking clock's Containers and Listening milestones. Its
// configuration names no primary yet (formSentinels).
func (dep *Deployment) startSentinel(ctx context.Context, idx int, clock *setupClock) error {
	name := fmt.Sprintf("rd-%s-s%d", dep.RunID, idx)
	n, err := dep.createMachine(ctx, name, idx, dep.subnet.sentinel(idx), dep.Server.SentinelBinary(), rediskit.SentinelConf("0.0.0.0", DataDir))
	if err != nil {
		return err
	}
	n.password = "" // the Sentinels take no password; auth-pass is the primary's
	dep.mu.Lock()
	dep.sentinels = append(dep.sentinels, n)
	slices.SortFunc(dep.sentinels, func(a, b *Node) int { return a.Index() - b.Index() })
	dep.mu.Unlock()
	if err := n.Start(ctx); err != nil {
		return err
	}
	clock.mark(atContainers)
	lctx, cancel := context.WithTimeout(ctx, formListenTimeout)
	defer cancel()
	if err := n.waitListening(lctx); err != nil {
		return fmt.Errorf("start sentinel: %w", err)
	}
	clock.mark(atListening)
	return nil
}

// formSentinels has every Sentinel monitor the primary (rediskit's
// SentinelMonitor), once the replicas replicate it: a Sentinel learns the
// replicas from the primary's first INFO, and otherwise only at the next
// one, 10 s later. The Sentinels find each other through the primary
// (hello messages every 2 s); Ready waits for that.
func (dep *Deployment) formSentinels(ctx context.Context) error {
	p := dep.knownPrimary()
	if p == nil {
		return errors.New("form sentinels: no primary")
	}
	cmds := rediskit.SentinelMonitor(dep.Topology, p.IP())
	cc := newClientCache()
	defer cc.close()
	return eachNode(cc, dep.Sentinels(), func(_ int, s *Node) error {
		c := cc.client(s)
		for _, args := range cmds {
			if err := run(ctx, c, s, args...); err != nil {
				return fmt.Errorf("form sentinels: %w", err)
			}
		}
		return nil
	})
}

// sentinelReady reports why a KindSentinel deployment is not ready yet,
// given the INFO replication of each node: exactly one node is the
// primary, and every Sentinel agrees: it monitors that primary with no
// flag but "master", sees the other Sentinels and knows every other node
// as a replica of it, connected and with its link up.
func (dep *Deployment) sentinelReady(ctx context.Context, cc *clientCache, nodes []*Node, infos []map[string]string) error {
	sentinels := dep.Sentinels()
	if want := dep.Topology.SentinelCount(); len(sentinels) != want {
		return fmt.Errorf("%d of %d sentinels started", len(sentinels), want)
	}
	var primary *Node
	replicas := map[string]bool{} // ip:port of every other node
	for i, n := range nodes {
		if infos[i]["role"] != "master" {
			replicas[n.Addr()] = true
			continue
		}
		if primary != nil {
			return fmt.Errorf("two primaries: %s and %s", primary.Name(), n.Name())
		}
		primary = n
	}
	if primary == nil {
		return errors.New("no node is a primary")
	}
	return eachNode(cc, sentinels, func(_ int, s *Node) error {
		c := cc.client(s)
		m := redis.NewMapStringStringCmd(ctx, "SENTINEL", "MASTER", SentinelMaster)
		if err := c.Process(ctx, m); err != nil {
			return fmt.Errorf("read sentinel master from %s: %w", s.Name(), transport(err))
		}
		v := m.Val()
		addr := net.JoinHostPort(v["ip"], v["port"])
		switch {
		case addr != primary.Addr():
			return fmt.Errorf("sentinel %s: primary at %s, not %s (%s)", s.Name(), addr, primary.Name(), primary.Addr())
		case v["flags"] != "master":
			return fmt.Errorf("sentinel %s: primary %s flagged %s", s.Name(), primary.Name(), v["flags"])
		case v["num-other-sentinels"] != strconv.Itoa(len(sentinels)-1):
			return fmt.Errorf("sentinel %s: sees %s other sentinels, want %d", s.Name(), v["num-other-sentinels"], len(sentinels)-1)
		}
		r := redis.NewMapStringStringSliceCmd(ctx, "SENTINEL", "REPLICAS", SentinelMaster)
		if err := c.Process(ctx, r); err != nil {
			return fmt.Errorf("read sentinel replicas from %s: %w", s.Name(), transport(err))
		}
		known := sentinelNodeReplicas(r.Val())
		if len(known) != len(replicas) {
			return fmt.Errorf("sentinel %s: knows %d replicas, want %d", s.Name(), len(known), len(replicas))
		}
		for _, rv := range known {
			raddr := net.JoinHostPort(rv["ip"], rv["port"])
			switch {
			case !replicas[raddr]:
				return fmt.Errorf("sentinel %s: replica %s is not a replica node", s.Name(), raddr)
			case rv["flags"] != "slave":
				return fmt.Errorf("sentinel %s: replica %s flagged %s", s.Name(), raddr, rv["flags"])
			case rv["master-link-status"] != "ok" || rv["master-host"] != primary.IP():
				return fmt.Errorf("sentinel %s: replica %s has link %s to %s", s.Name(), raddr, rv["master-link-status"], rv["master-host"])
			}
		}
		return nil
	})
}

// SentinelPrimary returns the node the Sentinels name the primary now
// (SENTINEL GET-MASTER-ADDR-BY-NAME, asked of each Sentinel in turn until
// one answers): after a failover, the replica they promoted. It fails for
// a deployment without Sentinels, when none answers, or when the address
// is no node of the run.
func (dep *Deployment) SentinelPrimary(ctx context.Context) (*Node, error) {
	sentinels := dep.Sentinels()
	if len(sentinels) == 0 {
		return nil, fmt.Errorf("find primary through sentinels: %s deployment has no sentinels", dep.Topology.Kind)
	}
	var errs []error
	for _, s := range sentinels {
		addr, err := askPrimary(ctx, s)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if n := dep.nodeAt(addr); n != nil {
			return n, nil
		}
		return nil, fmt.Errorf("find primary through sentinels: %s names %s, no node of the run", s.Name(), addr)
	}
	return nil, fmt.Errorf("find primary through sentinels: %w", errors.Join(errs...))
}

// askPrimary asks Sentinel s where the primary is (ip:port).
func askPrimary(ctx context.Context, s *Node) (string, error) {
	c := s.QuickClient(sentinelAskTimeout)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, sentinelAskTimeout)
	defer cancel()
	cmd := redis.NewStringSliceCmd(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMaster)
	if err := c.Process(ctx, cmd); err != nil {
		return "", fmt.Errorf("ask sentinel %s for the primary: %w", s.Name(), err)
	}
	v := cmd.Val()
	if len(v) != 2 {
		return "", fmt.Errorf("ask sentinel %s for the primary: %d fields (%s)", s.Name(), len(v), strings.Join(v, " "))
	}
	return net.JoinHostPort(v[0], v[1]), nil
}

// nodeAt returns the node of the run at addr (ip:port), members first.
func (dep *Deployment) nodeAt(addr string) *Node {
	for _, nodes := range [][]*Node{dep.Nodes(), dep.AllNodes()} {
		for _, n := range nodes {
			if n.Addr() == addr {
				return n
			}
		}
	}
	return nil
}

// FailoverOptions returns options for a go-redis failover client of a
// KindSentinel deployment: it asks the deployment's Sentinels for the
// primary of SentinelMaster, through the dialer that reaches the nodes from
// the host.
func (dep *Deployment) FailoverOptions(opts ClientOptions) *redis.FailoverOptions {
	o := opts.WithDefaults()
	return &redis.FailoverOptions{
		MasterName: SentinelMaster, SentinelAddrs: dep.SentinelAddrs(),
		Password: dep.Topology.Password, Dialer: dep.dialer.DialContext,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		MaxRetries: o.MaxRetries, PoolSize: o.PoolSize, ContextTimeoutEnabled: true, DialerRetries: 1,
	}
}

// sentinelNodeReplicas returns the replicas a Sentinel lists that can be
// nodes: a replication client that announced no listening port (a backup
// taken over SYNC from the host, which the primary's INFO lists while it
// streams) is listed as <ip>:0 by a Sentinel whose INFO poll caught it,
// and a Sentinel never forgets a replica. Seen in a CI rehearsal
// (2026-12-07): "+slave slave 192.168.176.1:0" two seconds before the
// fault, and the deployment never ready after the heal.
func sentinelNodeReplicas(listed []map[string]string) []map[string]string {
	var out []map[string]string
	for _, rv := range listed {
		if rv["port"] == "0" {
			continue
		}
		out = append(out, rv)
	}
	return out
}
