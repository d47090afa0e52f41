package harness

import (
	"context"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/form"
)

// clientCache is form.Clients keyed by *Node: one single-node client per
// node and address, reused across polls (Ready, the Sentinel checks).
type clientCache struct{ *form.Clients }

func newClientCache() *clientCache { return &clientCache{form.NewClients()} }

// client returns the cached client of n.
func (cc *clientCache) client(n *Node) *redis.Client { return cc.Client(n) }

// close closes every client.
func (cc *clientCache) close() { cc.Close() }

// eachNode runs check on every node in parallel (form.Each).
func eachNode(cc *clientCache, nodes []*Node, check func(i int, n *Node) error) error {
	return form.Each(cc.Clients, nodes, check)
}

// transport marks err as an error of the connection (form.Transport).
func transport(err error) error { return form.Transport(err) }

// run runs one command on n through c (form.Run).
func run(ctx context.Context, c *redis.Client, n *Node, args ...string) error {
	return form.Run(ctx, c, n.Name(), args...)
}
