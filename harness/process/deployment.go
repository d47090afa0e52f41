package process

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// DefaultReadyTimeout bounds the wait for a started topology to be ready.
const DefaultReadyTimeout = 90 * time.Second

// Deployment is a running topology of local server processes.
type Deployment struct {
	runID  string
	topo   rediskit.Topology
	binary string
	logger *slog.Logger
	dir    string // the run folder
	ownDir bool   // created by Start: removed by Terminate unless keep
	keep   bool
	addrs  *addrPool
	// machines carries every node's machine events (WatchMachines).
	machines *feed[deploy.MachineEvent]
	// FormedIn is the time from the first process start to ready.
	FormedIn time.Duration

	mu         sync.Mutex
	bindSource bool // the binary knows bind-source-addr
	product    string
	version    string
	nodes      []*Node // by index
	next       int     // index of the next node created
	primary    *Node
	retired    map[string]bool // taken out of the topology (kept until Terminate)
	spares     map[string]bool // warm spares (also retired until enlisted)
	terminated bool
}

// Compile-time checks: a Deployment is what the engine asks for, with
// machine events.
var (
	_ deploy.Deployment     = (*Deployment)(nil)
	_ deploy.MachineWatcher = (*Deployment)(nil)
)

// NewRunID returns a short unique run id.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("0102-150405") + "-" + hex.EncodeToString(b[:])
}

// Start starts the nodes of topo as local processes, forms the topology
// (Redis Cluster: ADDSLOTSRANGE, MEET, REPLICATE; primary and replicas:
// REPLICAOF) and waits until it is ready. On error the partial deployment
// is returned too, so the caller can always Terminate it (register the
// cleanup before checking err).
func Start(ctx context.Context, topo rediskit.Topology, opts StartOptions) (*Deployment, error) {
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	binary, err := FindBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	bindSource, err := knowsBindSource(binary)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	dep := &Deployment{
		runID: opts.RunID, topo: topo, binary: binary, logger: opts.Logger.With("run", opts.RunID),
		keep: opts.Keep, addrs: newAddrPool(opts.RunID),
		machines:   newFeed(func(e deploy.MachineEvent) time.Time { return e.Time }),
		bindSource: bindSource,
		retired:    map[string]bool{}, spares: map[string]bool{},
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("create run folder: %w", err)
		}
		dep.dir = opts.Dir
	} else {
		dir, err := os.MkdirTemp("", "redisdrill-"+opts.RunID+"-")
		if err != nil {
			return nil, fmt.Errorf("create run folder: %w", err)
		}
		dep.dir, dep.ownDir = dir, true
	}
	start := time.Now()
	if err := dep.launch(ctx); err != nil {
		return dep, err
	}
	if err := dep.waitReady(ctx, DefaultReadyTimeout, startReadyInterval); err != nil {
		return dep, err
	}
	dep.FormedIn = time.Since(start)
	dep.readServer(ctx)
	dep.logger.Info("deployment ready", "topology", topo.String(), "nodes", topo.NodeCount(),
		"binary", binary, "dir", dep.dir, "subnet", dep.addrs.subnet(), "ready_in", dep.FormedIn.Round(time.Millisecond))
	return dep, nil
}

// Terminate kills every process of the run and removes the run folder it
// created itself (kept with StartOptions.Keep; a folder the caller gave
// is never removed). It is safe on a nil or partial deployment and runs
// even when ctx is already done.
func (dep *Deployment) Terminate(ctx context.Context) error {
	if dep == nil {
		return nil
	}
	dep.mu.Lock()
	if dep.terminated {
		dep.mu.Unlock()
		return nil
	}
	dep.terminated = true
	nodes := append([]*Node(nil), dep.nodes...)
	dep.mu.Unlock()
	ctx = context.WithoutCancel(ctx)
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			_ = n.Reconnect(ctx) // a network fault's rules end with the run
			errs[i] = n.sup.terminate(ctx)
			if errs[i] == nil {
				_ = n.sup.log.Close()
			}
		})
	}
	wg.Wait()
	err := errors.Join(errs...)
	if dep.ownDir && !dep.keep && err == nil {
		if rerr := os.RemoveAll(dep.dir); rerr != nil {
			err = fmt.Errorf("remove run folder: %w", rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("terminate run %s: %w", dep.runID, err)
	}
	return nil
}

// RunID names the run.
func (dep *Deployment) RunID() string { return dep.runID }

// Topology is what was started.
func (dep *Deployment) Topology() deploy.Topology { return dep.topo }

// Server returns the product ("redis", "valkey") and version the nodes
// run: as INFO server reported it once ready, else as the binary said.
func (dep *Deployment) Server() (product, version string) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.product, dep.version
}

// readServer records the product and version the nodes run: as INFO
// server reports them, else as the binary says (--version).
func (dep *Deployment) readServer(ctx context.Context) {
	product, version := dep.members()[0].ServerVersion(ctx)
	if product == "" {
		if v, err := readVersion(ctx, dep.binary); err == nil {
			product, version = v.product, v.version
		}
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.product, dep.version = product, version
}

// Binary returns the server executable the nodes run.
func (dep *Deployment) Binary() string { return dep.binary }

// Dir returns the run folder (one folder per node).
func (dep *Deployment) Dir() string { return dep.dir }

// Dial reaches a node's address from this host.
func (dep *Deployment) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// WaitReady waits until the deployment is ready (see Ready), polling
// every 100 ms, for at most DefaultReadyTimeout.
func (dep *Deployment) WaitReady(ctx context.Context) error {
	return dep.waitReady(ctx, DefaultReadyTimeout, readyInterval)
}
