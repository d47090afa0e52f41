package harness

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

// routeProbeTimeout bounds the dial that decides whether container
// addresses are reachable from the host.
const routeProbeTimeout = 700 * time.Millisecond

// probeRoute decides whether container IPs are reachable directly, by
// dialling one container address. A refused connection counts as reachable:
// the container answered (its server is not listening yet), which lets the
// probe run right after the first container starts instead of after its
// server is up. A timeout or an unreachable network means the containers
// live elsewhere (Docker Desktop, a remote daemon): dial published ports.
func (d *Dialer) probeRoute(ctx context.Context, containerAddr string) {
	var nd net.Dialer
	pctx, cancel := context.WithTimeout(ctx, routeProbeTimeout)
	defer cancel()
	conn, err := nd.DialContext(pctx, "tcp", containerAddr)
	remap := true
	switch {
	case err == nil:
		_ = conn.Close()
		remap = false
	case errors.Is(err, syscall.ECONNREFUSED):
		remap = false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.remap = remap
}
