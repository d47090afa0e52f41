package harness

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

// Bounds of waitListening: how long the node may take to answer after its
// container started, how often it is probed, and how often the container
// is checked for an exit (a Docker inspect).
const (
	formListenTimeout  = form.ListenTimeout
	listenPollInterval = 10 * time.Millisecond
	listenExitCheck    = 250 * time.Millisecond
)

// waitListening waits until redis-server in the node answers a RESP PING
// on a raw connection through the node's dialer (form.RawPing), or ctx
// ends: where published ports are dialled, the port accepts connections
// before the server does, so a successful dial alone proves nothing. It
// reports the node's exit if the container stops meanwhile.
func (n *Node) waitListening(ctx context.Context) error {
	addr := n.Addr()
	return form.Waiter{
		Probe:      func(ctx context.Context) error { return form.RawPing(ctx, n.dialer.DialContext, addr) },
		Interval:   listenPollInterval,
		CheckEvery: listenExitCheck,
		Failed: func(ctx context.Context) (int, bool) {
			code, exited, err := n.Exited(ctx)
			return code, err == nil && exited
		},
	}.Wait(ctx, n.Name())
}
