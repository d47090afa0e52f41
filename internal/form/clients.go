package form

import (
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Clients keeps one single-node client per member and address, so
// repeated probes (WaitReady's polls) reuse their connections. A member
// whose address changed (a container restarted with a new IP) gets a new
// client. Members are compared as interface values: pass pointers.
type Clients struct {
	mu      sync.Mutex
	clients map[Member]cachedClient
}

type cachedClient struct {
	addr string
	c    *redis.Client
}

// NewClients returns an empty cache; Close it when done.
func NewClients() *Clients { return &Clients{clients: map[Member]cachedClient{}} }

// Client returns the cached client of m, made (or remade) for its current
// address. The cache owns it: do not close it.
func (cc *Clients) Client(m Member) *redis.Client {
	addr := m.Addr()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.clients[m]; ok {
		if e.addr == addr {
			return e.c
		}
		_ = e.c.Close()
	}
	c := m.Client()
	cc.clients[m] = cachedClient{addr: addr, c: c}
	return c
}

// Close closes every client.
func (cc *Clients) Close() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for m, e := range cc.clients {
		_ = e.c.Close()
		delete(cc.clients, m)
	}
}

// Evict closes and forgets the client of m.
func (cc *Clients) Evict(m Member) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.clients[m]; ok {
		_ = e.c.Close()
		delete(cc.clients, m)
	}
}

// transportError marks an error of the connection to a member, as
// opposed to an error reply of its server.
type transportError struct{ err error }

func (e transportError) Error() string { return e.err.Error() }

func (e transportError) Unwrap() error { return e.err }

// Transport marks err as an error of the connection unless it is nil or
// a reply of the server: Each evicts the client of a member whose check
// failed with such an error.
func Transport(err error) error {
	var reply redis.Error
	if err == nil || errors.As(err, &reply) {
		return err
	}
	return transportError{err}
}
