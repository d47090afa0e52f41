package process

import (
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// clientCache keeps one single-node client per node, so repeated probes
// (WaitReady's polls) reuse their connections.
type clientCache struct {
	mu      sync.Mutex
	clients map[*Node]*redis.Client
}

func newClientCache() *clientCache { return &clientCache{clients: map[*Node]*redis.Client{}} }

// client returns the cached client of n.
func (cc *clientCache) client(n *Node) *redis.Client {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.clients[n]; ok {
		return c
	}
	c := n.Client()
	cc.clients[n] = c
	return c
}

// close closes every client.
func (cc *clientCache) close() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for n, c := range cc.clients {
		_ = c.Close()
		delete(cc.clients, n)
	}
}

// evict closes and forgets the client of n.
func (cc *clientCache) evict(n *Node) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.clients[n]; ok {
		_ = c.Close()
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
