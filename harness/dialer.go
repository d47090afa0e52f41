package harness

import (
	"context"
	"net"
	"strconv"
	"sync"
)

// Dialer connects host clients to nodes. On Linux container IPs are reachable
// from the host and addresses are dialled as they are; where they are not
// (Docker Desktop, a remote daemon) the dialer maps each container ip:port
// to the port published on the host.
type Dialer struct {
	mu    sync.RWMutex
	remap bool
	host  string
	ports map[string]int // container ip:port -> published host port
	// resolve maps a logical address (the primary alias) to a node address.
	resolve func(addr string) string
}

func (d *Dialer) setResolver(f func(addr string) string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resolve = f
}

func newDialer(host string) *Dialer {
	return &Dialer{host: host, ports: map[string]int{}}
}

func (d *Dialer) set(containerAddr string, hostPort int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if hostPort > 0 {
		d.ports[containerAddr] = hostPort
	}
}

// Remapping reports whether container addresses are mapped to published ports.
func (d *Dialer) Remapping() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.remap
}

// DialContext dials addr, remapped to the published port when needed.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.RLock()
	resolve := d.resolve
	d.mu.RUnlock()
	if resolve != nil {
		addr = resolve(addr)
	}
	d.mu.RLock()
	target := addr
	if d.remap {
		if p, ok := d.ports[addr]; ok {
			target = net.JoinHostPort(d.host, strconv.Itoa(p))
		}
	}
	d.mu.RUnlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, target)
}
