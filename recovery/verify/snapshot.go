package verify

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// nodeFacts is what one round of questions learned about one node of a
// deployment: its answers (subject: its name) and its key count.
type nodeFacts struct {
	answers
	node deploy.Node
	keys int64
}

// perNodeTimeout bounds the questions asked to one node.
const perNodeTimeout = 2 * time.Second

// nodeClient dials n itself and returns a client bound to that one
// connection, so a dead node fails fast and quietly (go-redis logs and backs
// off after a failed dial inside its pool).
func nodeClient(ctx context.Context, dep deploy.Deployment, n deploy.Node, readTimeout time.Duration) (*redis.Client, error) {
	dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	conn, err := dep.Dial(dctx, "tcp", n.Addr())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	var used atomic.Bool
	dial := func(context.Context, string, string) (net.Conn, error) {
		if used.CompareAndSwap(false, true) {
			return conn, nil
		}
		return nil, fmt.Errorf("connection to %s lost", n.Name())
	}
	return redis.NewClient(&redis.Options{
		Addr: n.Addr(), Password: dep.Topology().Password, Dialer: dial,
		ReadTimeout: readTimeout, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true, MaxRetries: -1, PoolSize: 2, DialerRetries: 1,
		Protocol: 2, DisableIdentity: true,
	}), nil
}

// gather asks every node of dep, concurrently, for its replication info, key
// count and (in a cluster) cluster state and view.
func gather(ctx context.Context, dep deploy.Deployment) []nodeFacts {
	return gatherNodes(ctx, dep, dep.Nodes())
}

// gatherEveryOwner is gather over every node that may still claim slots:
// the topology's members plus retired nodes whose container still runs
// (a node the engine replaced but could not stop). A retired node at a
// member's address is skipped: its old address was given to the member.
func gatherEveryOwner(ctx context.Context, dep deploy.Deployment) []nodeFacts {
	nodes := dep.Nodes()
	member := map[string]bool{}
	addrs := map[string]bool{}
	for _, n := range nodes {
		member[n.Name()], addrs[n.Addr()] = true, true
	}
	for _, n := range dep.AllNodes() {
		if member[n.Name()] || addrs[n.Addr()] {
			continue
		}
		if running, _, err := n.State(ctx); err == nil && running {
			nodes = append(nodes, n)
		}
	}
	return gatherNodes(ctx, dep, nodes)
}

func gatherNodes(ctx context.Context, dep deploy.Deployment, nodes []deploy.Node) []nodeFacts {
	out := make([]nodeFacts, len(nodes))
	cluster := dep.Topology().Kind == rediskit.KindCluster
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = askNode(ctx, dep, n, cluster)
		}()
	}
	wg.Wait()
	return out
}

func askNode(ctx context.Context, dep deploy.Deployment, n deploy.Node, cluster bool) nodeFacts {
	f := nodeFacts{answers: answers{subject: n.Name()}, node: n}
	ctx, cancel := context.WithTimeout(ctx, perNodeTimeout)
	defer cancel()
	c, err := nodeClient(ctx, dep, n, time.Second)
	if err != nil {
		f.err = fmt.Errorf("ask %s: %w", n.Name(), err)
		return f
	}
	defer c.Close()
	f.answers, f.keys = ask(ctx, c, n.Name(), cluster)
	return f
}

// digest returns DEBUG DIGEST of a node (all zeros for an empty dataset).
func digest(ctx context.Context, dep deploy.Deployment, n deploy.Node) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := nodeClient(ctx, dep, n, 30*time.Second)
	if err != nil {
		return "", fmt.Errorf("read digest: %w", err)
	}
	defer c.Close()
	d, err := c.Do(ctx, "DEBUG", "DIGEST").Text()
	if err != nil {
		return "", fmt.Errorf("read digest of %s: %w", n.Name(), err)
	}
	return d, nil
}

// byAddr maps ip:port to the deployment's live nodes.
func byAddr(facts []nodeFacts) map[string]deploy.Node {
	m := map[string]deploy.Node{}
	for _, f := range facts {
		m[f.node.Addr()] = f.node
	}
	return m
}
