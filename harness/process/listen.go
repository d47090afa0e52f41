package process

import (
	"context"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

// listenPollInterval is how often waitListening probes the node.
const listenPollInterval = 5 * time.Millisecond

// waitListening waits until the node's server answers a RESP PING on a
// raw connection (form.RawPing: -NOAUTH counts, -LOADING does not), or
// ctx ends. It reports the server's exit if it fails meanwhile (the
// supervisor's state, asked after every probe: it costs nothing).
func (n *Node) waitListening(ctx context.Context) error {
	addr := n.Addr()
	return form.Waiter{
		Probe:    func(ctx context.Context) error { return form.RawPing(ctx, nil, addr) },
		Interval: listenPollInterval,
		Failed:   n.failed,
	}.Wait(ctx, n.Name())
}

// How often WaitPing probes the node, and how long one probe may take.
const (
	pingPollInterval = 10 * time.Millisecond
	pingProbeTimeout = 500 * time.Millisecond
)

// WaitPing waits until the node answers PING after loading its data, or
// ctx ends. It returns an error as soon as the server exits with an error
// (e.g. refuses a corrupt file), whether or not its supervisor will try
// again, or goes down for good. Every attempt dials anew: a go-redis pool
// whose dials failed a few times (the server not listening yet) stops
// dialling for a second, which would delay a server that comes up right
// after.
func (n *Node) WaitPing(ctx context.Context) error {
	return form.Waiter{
		Probe: func(ctx context.Context) error {
			c := n.QuickClient(pingProbeTimeout)
			defer c.Close()
			return c.Ping(ctx).Err()
		},
		Interval: pingPollInterval,
		Failed:   n.failed,
	}.Wait(ctx, n.Name())
}

// failed is serverFailed as form.Waiter asks it.
func (n *Node) failed(context.Context) (int, bool) { return n.serverFailed() }
