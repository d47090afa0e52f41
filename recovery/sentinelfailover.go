package recovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// sentinelWait bounds how long a failover asked of Sentinel may take to
// name a new primary.
const sentinelWait = 10 * time.Second

// sentinelsOf returns the deployment's Sentinel group when it has one
// with at least one Sentinel.
func sentinelsOf(dep deploy.Deployment) (deploy.SentinelGroup, bool) {
	sg, ok := dep.(deploy.SentinelGroup)
	if !ok || len(sg.SentinelAddrs()) == 0 {
		return nil, false
	}
	return sg, true
}

// sentinelFailover makes the Sentinels fail the primary at oldAddr over
// now (SENTINEL FAILOVER: at once, without waiting for
// down-after-milliseconds or for agreement), so the new primary is
// Sentinel's own choice and Sentinel never undoes it. It asks each
// Sentinel in turn until one accepts (one already failing over counts),
// then waits until that Sentinel names a new primary and returns it with
// which Sentinel did it.
func sentinelFailover(ctx context.Context, dep deploy.Deployment, sg deploy.SentinelGroup, oldAddr string) (deploy.Node, string, error) {
	var errs []error
	for _, addr := range sg.SentinelAddrs() {
		c := sentinelClient(dep, addr)
		err := c.Do(ctx, "SENTINEL", "FAILOVER", sg.MasterName()).Err()
		if err != nil && !strings.HasPrefix(err.Error(), "INPROG") {
			errs = append(errs, fmt.Errorf("sentinel %s: %w", addr, err))
			_ = c.Close()
			continue
		}
		n, err := awaitSentinelPrimary(ctx, dep, c, sg.MasterName(), oldAddr)
		_ = c.Close()
		if err != nil {
			return nil, "", fmt.Errorf("fail over through sentinel %s: %w", addr, err)
		}
		return n, addr, nil
	}
	return nil, "", fmt.Errorf("fail over through sentinel: %w", errors.Join(errs...))
}

// awaitSentinelPrimary polls the Sentinel until it names a primary other
// than oldAddr that is a node of the deployment and answers as a primary.
func awaitSentinelPrimary(ctx context.Context, dep deploy.Deployment, c *redis.Client, master, oldAddr string) (deploy.Node, error) {
	ctx, cancel := context.WithTimeout(ctx, sentinelWait)
	defer cancel()
	for {
		hp, err := c.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", master).StringSlice()
		if err == nil && len(hp) == 2 {
			addr := net.JoinHostPort(hp[0], hp[1])
			if addr != oldAddr {
				for _, n := range dep.Nodes() {
					if n.Addr() == addr && isPrimary(ctx, n) {
						return n, nil
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for sentinel's new primary: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// isPrimary reports whether n answers INFO replication with role:master.
func isPrimary(ctx context.Context, n deploy.Node) bool {
	info, err := n.Info(ctx, "replication")
	return err == nil && info["role"] == "master"
}

// sentinelClient is a client of one Sentinel, dialled as the engine
// dials the nodes.
func sentinelClient(dep deploy.Deployment, addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr, Dialer: dep.Dial, DialTimeout: time.Second,
		ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1, PoolSize: 1,
		ContextTimeoutEnabled: true,
	})
}
