package harness

import (
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// clientCache keeps one single-node client per node and address, so
// repeated probes (WaitReady's polls) reuse their connections. A node whose
// address changed (restarted with a new IP) gets a new client.
type clientCache struct {
	mu      sync.Mutex
	clients map[*Node]cachedClient
}

type cachedClient struct {
	addr string
	c    *redis.Client
}

func newClientCache() *clientCache { return &clientCache{clients: map[*Node]cachedClient{}} }

// client returns the cached client of n, made (or remade) for its current
// address.
func (cc *clientCache) client(n *Node) *redis.Client {
	addr := n.Addr()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.clients[n]; ok {
		if e.addr == addr {
			return e.c
		}
		_ = e.c.Close()
	}
	c := n.Client()
	cc.clients[n] = cachedClient{addr: addr, c: c}
	return c
}

// close closes every client.
func (cc *clientCache) close() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for n, e := range cc.clients {
		_ = e.c.Close()
		delete(cc.clients, n)
	}
}

// evict closes and forgets the client of n.
func (cc *clientCache) evict(n *Node) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.clients[n]; ok {
		_ = e.c.Close()
		delete(cc.clients, n)
	}
}

// transportError marks an error of the connection to a node, as opposed
// to an error reply of the node.
type transportError struct{ err error }

func (e transportError) Error() string { return e.err.Error() }

func (e transportError) Unwrap() error { return e.err }

// transport wraps err as a transportError unless it is nil or a reply of
// the server.
func transport(err error) error {
	var reply redis.Error
	if err == nil || errors.As(err, &reply) {
		return err
	}
	return transportError{err}
}
