package detect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// NodeStatus is what the probe last learned about one node.
type NodeStatus struct {
	Time      time.Time // when the last probe round completed
	Reachable bool      // the last round answered
	// Down: the rounds failed since the last answer satisfy the window
	// rule (see Down); Refused: one of them was refused, i.e. the node's
	// process was seen gone (crashed, stopped) rather than merely silent;
	// FailingSince: the start of the first of them (zero while answering).
	Down         bool
	Refused      bool
	FailingSince time.Time
	// Loading: the last round was answered LOADING — the process is up,
	// loading its data, not serving yet.
	Loading    bool
	Role       string // last role seen (kept while the node is unreachable)
	MasterHost string // replicas: the primary's address
	Keys       int64  // keys held at the last answer
	RunID      string // redis-server run_id at the last answer
}

// peerTable holds the latest peer facts of every probed node.
type peerTable struct {
	mu    sync.Mutex
	nodes map[string]NodeStatus
}

func newPeerTable() *peerTable { return &peerTable{nodes: map[string]NodeStatus{}} }

// update records a probe round and the node's failure run; an unreachable
// node keeps its last facts.
func (t *peerTable) update(name string, o observation, st *nodeState, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.nodes[name]
	p.Time, p.Reachable = now, o.Err == nil
	p.Down, p.Refused, p.FailingSince = st.health()
	p.Loading = loadingReply(o.Err)
	if o.Err == nil {
		p.Role, p.MasterHost, p.Keys, p.RunID = o.Role, o.MasterHost, o.Keys, o.RunID
	}
	t.nodes[name] = p
}

func (t *peerTable) get(name string) (NodeStatus, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.nodes[name]
	return p, ok
}

func (t *peerTable) forget(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.nodes, name)
}

// replicaKeys returns the most keys held by a reachable replica of the
// primary at primaryIP.
func (t *peerTable) replicaKeys(primaryIP string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var most int64
	for _, p := range t.nodes {
		if p.Reachable && p.Role == "slave" && p.MasterHost == primaryIP && p.Keys > most {
			most = p.Keys
		}
	}
	return most
}

// prober is the probe of one node: its loop state and the hooks the Docker
// source uses to make it look again right away.
type prober struct {
	node deploy.Node
	wake chan struct{}

	mu          sync.Mutex
	cancelRound context.CancelFunc
}

// poke makes the probe abandon its current round (e.g. a dial to an address
// that is not up yet) and probe again now, quickly for a short while.
func (p *prober) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancelRound != nil {
		p.cancelRound()
	}
}

// fastWindow is how long a probe polls at fastInterval after a poke.
const (
	fastWindow   = 3 * time.Second
	fastInterval = 5 * time.Millisecond
)

// startProbe runs the probe loop of n until ctx ends or the returned cancel
// is called. firstDone is called after the first round.
func (d *Detector) startProbe(ctx context.Context, n deploy.Node, firstDone func()) context.CancelFunc {
	pctx, cancel := context.WithCancel(ctx)
	p := &prober{node: n, wake: make(chan struct{}, 1)}
	d.probers.Store(n.Name(), p)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer d.probers.CompareAndDelete(n.Name(), p)
		d.probeLoop(pctx, p, firstDone)
	}()
	if !d.opts.NoDocker && n.Supervised() {
		// Auto mode also reads the node's supervisor: a server that dies
		// while its machine stays up makes no container event.
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.followSupervisor(pctx, n)
		}()
	}
	return cancel
}

// pokeNode wakes the probe of the named node, if any.
func (d *Detector) pokeNode(name string) {
	if p, ok := d.probers.Load(name); ok {
		p.(*prober).poke()
	}
}

func (d *Detector) probeLoop(ctx context.Context, p *prober, firstDone func()) {
	n := p.node
	st := newNodeState()
	th := thresholds{MinKeys: d.opts.EmptyRestartMinKeys, LossRatio: d.opts.EmptyRestartRatio, DownAfter: d.opts.DownAfter}
	cluster := d.dep.Topology().Kind == rediskit.KindCluster
	var c *redis.Client
	drop := func() {
		if c != nil {
			_ = c.Close()
			c = nil
		}
	}
	defer drop()
	addr := ""
	var fastUntil time.Time
	for round := 0; ; round++ {
		rctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
		p.mu.Lock()
		p.cancelRound = cancel
		p.mu.Unlock()
		if a := n.Addr(); a != addr {
			drop()
			addr = a
		}
		start := time.Now()
		var o observation
		if c == nil {
			c, o.Err = d.connect(rctx, addr)
		}
		if o.Err == nil {
			o = probeOnce(rctx, c, cluster)
		}
		o.Start, o.End = start, time.Now()
		poked := errors.Is(rctx.Err(), context.Canceled)
		cancel()
		if ctx.Err() != nil {
			if round == 0 {
				firstDone()
			}
			return
		}
		if o.Err != nil {
			drop() // a fresh connection next round: go-redis pools back off after dial errors
		}
		if !poked || round == 0 {
			d.record(n, st, o, th)
		}
		if round == 0 {
			firstDone()
		}
		if o.Err == nil {
			fastUntil = time.Time{}
		}
		wait := d.opts.Interval
		if time.Now().Before(fastUntil) && fastInterval < wait {
			wait = fastInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			fastUntil = time.Now().Add(fastWindow)
		case <-time.After(wait):
		}
	}
}

// record feeds one observation to the node's state and records the events.
func (d *Detector) record(n deploy.Node, st *nodeState, o observation, th thresholds) {
	now := time.Now()
	evs := st.step(o, n.IP(), d.peers.replicaKeys, th)
	d.peers.update(n.Name(), o, st, now)
	role := st.role // last known, kept while unreachable
	for _, e := range evs {
		e.Time, e.Node, e.Role = now, n.Name(), role
		d.events.add(e)
	}
}

// connect dials addr itself and wraps the connection in a one-connection
// client. Dialing outside go-redis keeps its pool from logging and backing
// off (for up to a second) after a failed dial: a node that comes back must
// be seen within one probe interval. Should the client want a second
// connection, the dial says why the first is gone: the node closed or reset
// it (errConnClosed: Refused), or it was dropped after a timeout
// (errConnLost: Silent).
func (d *Detector) connect(ctx context.Context, addr string) (*redis.Client, error) {
	conn, err := d.dep.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	wc := &watchedConn{Conn: conn}
	var used atomic.Bool
	dial := func(context.Context, string, string) (net.Conn, error) {
		if used.CompareAndSwap(false, true) {
			return wc, nil
		}
		if wc.peerClosed.Load() {
			return nil, fmt.Errorf("dial %s again: %w", addr, errConnClosed)
		}
		return nil, fmt.Errorf("dial %s again: %w", addr, errConnLost)
	}
	to := d.opts.Timeout
	return redis.NewClient(&redis.Options{
		Addr: addr, Password: d.dep.Topology().Password, Dialer: dial,
		DialTimeout: to, ReadTimeout: to, WriteTimeout: to, ContextTimeoutEnabled: true,
		MaxRetries: -1, PoolSize: 2, DialerRetries: 1, Protocol: 2, DisableIdentity: true,
	}), nil
}

// errConnLost is what the probe's one-connection client returns when it
// dropped the connection it had without the node closing it (a timeout).
var errConnLost = errors.New("connection dropped after a failed round")

// watchedConn records whether the node closed or reset the connection. It
// does not expose the socket (syscall.Conn), so every read goes through it.
type watchedConn struct {
	net.Conn
	peerClosed atomic.Bool
}

// Read implements net.Conn.
func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.note(err)
	return n, err
}

// Write implements net.Conn.
func (c *watchedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.note(err)
	return n, err
}

func (c *watchedConn) note(err error) {
	if err != nil && Classify(err) == Refused {
		c.peerClosed.Store(true)
	}
}

// probeOnce pipelines PING, INFO and (in a cluster) CLUSTER INFO.
func probeOnce(ctx context.Context, c *redis.Client, cluster bool) observation {
	pipe := c.Pipeline()
	ping := pipe.Ping(ctx)
	info := pipe.Info(ctx, "server", "replication", "persistence", "keyspace")
	var ci *redis.StringCmd
	if cluster {
		ci = pipe.ClusterInfo(ctx)
	}
	_, _ = pipe.Exec(ctx)
	if err := ping.Err(); err != nil {
		return observation{Err: fmt.Errorf("ping: %w", err)}
	}
	if err := info.Err(); err != nil {
		return observation{Err: fmt.Errorf("info: %w", err)}
	}
	clusterText := ""
	if ci != nil && ci.Err() == nil {
		clusterText = ci.Val()
	}
	return parseObservation(info.Val(), clusterText)
}
