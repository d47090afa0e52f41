package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/redis/go-redis/v9"
)

// Node is one machine of a deployment: a container whose service manager
// (s6-supervise, PID 1) supervises redis-server, as systemd does on a
// production host. The server can die, stop and start while the machine
// stays up (Crash, Stop, Start); the machine itself can crash (Kill) and
// boot again (Start). Its data dir lives in a named Docker volume, so
// files can be read, corrupted and replaced whatever runs. A node of an
// image without s6 is unsupervised: its server is the machine's PID 1,
// and the two live and die together.
type Node struct {
	name   string // container name, also the network alias
	index  int    // position in the deployment, stable across restarts
	Volume string // named volume mounted at DataDir

	docker   *Docker
	id       string // container id
	network  string
	image    string
	runID    string
	password string
	dialer   *Dialer
	// supervisor is the service manager (SupervisorS6, or "" for an
	// unsupervised node) and policy its restart policy.
	supervisor string
	policy     RestartPolicy
	server     Server // the server the node's image runs
	pinned     bool   // its address on the run's network is fixed (netpin.go)

	mu       sync.Mutex
	ip       string
	hostPort int
}

// Name returns the node's name: its container's name, also its alias on
// the run network.
func (n *Node) Name() string { return n.name }

// Index returns the node's position in its deployment, stable across
// restarts.
func (n *Node) Index() int { return n.index }

// Supervised reports whether a service manager runs the node's server.
func (n *Node) Supervised() bool { return n.supervisor != "" }

// RestartPolicy returns what the node's service manager does when the
// server exits on its own.
func (n *Node) RestartPolicy() RestartPolicy {
	if n.policy == "" {
		return RestartAlways
	}
	return n.policy
}

// ID returns the container id.
func (n *Node) ID() string { return n.id }

// IP returns the node's address on the run network.
func (n *Node) IP() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ip
}

// Addr returns ip:port as Redis Cluster announces it.
func (n *Node) Addr() string { return net.JoinHostPort(n.IP(), strconv.Itoa(RedisPort)) }

// HostPort returns the port published on the host for this node.
func (n *Node) HostPort() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.hostPort
}

// Client returns a single-node client (not cluster-aware) for this node.
func (n *Node) Client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: n.Addr(), Password: n.password, Dialer: n.dialer.DialContext,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		MaxRetries: -1, PoolSize: 4, DialerRetries: 1,
	})
}

// QuickClient returns a single-node client that gives up after d on every
// dial, read and write, and honours context deadlines: for probes that must
// not hang on a frozen node (a frozen node accepts TCP connections, then
// never answers; Client waits its 2 s read timeout whatever the context).
func (n *Node) QuickClient(d time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: n.Addr(), Password: n.password, Dialer: n.dialer.DialContext,
		DialTimeout: d, ReadTimeout: d, WriteTimeout: d, ContextTimeoutEnabled: true,
		MaxRetries: -1, PoolSize: 2, DialerRetries: 1,
	})
}

// refresh re-reads the node's IP and published port (they may change across restarts).
func (n *Node) refresh(ctx context.Context) error {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect node %s: %w", n.Name(), err)
	}
	c := res.Container
	if c.State == nil || !c.State.Running {
		return nil
	}
	ip := ""
	if c.NetworkSettings != nil {
		if ep, ok := c.NetworkSettings.Networks[n.network]; ok && ep != nil && ep.IPAddress.IsValid() {
			ip = ep.IPAddress.String()
		}
		for port, bindings := range c.NetworkSettings.Ports {
			if port.Num() == RedisPort && len(bindings) > 0 {
				hp, _ := strconv.Atoi(bindings[0].HostPort)
				n.mu.Lock()
				n.hostPort = hp
				n.mu.Unlock()
			}
		}
	}
	if ip != "" {
		n.mu.Lock()
		n.ip = ip
		n.mu.Unlock()
		n.dialer.set(net.JoinHostPort(ip, strconv.Itoa(RedisPort)), n.HostPort())
	}
	return nil
}

// Running reports whether the node's server runs: its machine is up and,
// on a supervised node, the service manager runs the server (a frozen
// machine counts as running: nothing can be asked of it).
func (n *Node) Running(ctx context.Context) (bool, error) {
	running, paused, err := n.State(ctx)
	return running || paused, err
}

// Kill crashes the node's machine: SIGKILL (or signal) to its PID 1 — the
// service manager, or the server of an unsupervised node — and with it
// every process. Start boots it again.
func (n *Node) Kill(ctx context.Context, signal string) error {
	if signal == "" {
		signal = "SIGKILL"
	}
	if _, err := n.docker.api.ContainerKill(ctx, n.ID(), client.ContainerKillOptions{Signal: signal}); err != nil {
		return fmt.Errorf("kill node %s: %w", n.Name(), err)
	}
	return nil
}

// Stop stops the node's server gracefully (SIGTERM, then SIGKILL after
// timeout) and returns once it is down. A supervised node's service
// manager takes it down and keeps it down until Start; the machine stays
// up. An unsupervised node's machine stops with its server.
func (n *Node) Stop(ctx context.Context, timeout time.Duration) error {
	if n.Supervised() {
		m, err := n.machine(ctx)
		if err != nil {
			return err
		}
		if !m.up {
			return nil
		}
		if m.paused {
			if err := n.Unpause(ctx); err != nil {
				return err
			}
		}
		return n.stopServer(ctx, timeout)
	}
	secs := int(timeout.Seconds())
	if _, err := n.docker.api.ContainerStop(ctx, n.ID(), client.ContainerStopOptions{Timeout: &secs}); err != nil {
		return fmt.Errorf("stop node %s: %w", n.Name(), err)
	}
	return nil
}

// Start makes the node's server run: it boots the machine when it is down
// (the service manager then starts the server) and otherwise asks the
// service manager to start the server. It returns once the server process
// runs; it may still be loading its files, or about to refuse them
// (WaitPing tells).
func (n *Node) Start(ctx context.Context) error {
	up, err := n.MachineRunning(ctx)
	if err != nil {
		return err
	}
	if !up {
		return n.Boot(ctx)
	}
	if !n.Supervised() {
		return nil
	}
	return n.startServer(ctx)
}

// KeepsAddress reports whether the node's machine has a pinned address on
// the run's network: it comes back at it after every boot, whatever the
// order its peers boot in (deploy.AddressKeeper).
func (n *Node) KeepsAddress() bool { return n.pinned }

// Boot starts the node's stopped machine and refreshes its address; a
// supervised node's service manager starts the server as it boots.
func (n *Node) Boot(ctx context.Context) error {
	if _, err := n.docker.api.ContainerStart(ctx, n.ID(), client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start node %s: %w", n.Name(), err)
	}
	return n.refresh(ctx)
}

// Pause freezes every process of the node (SIGSTOP through the cgroup freezer).
func (n *Node) Pause(ctx context.Context) error {
	if _, err := n.docker.api.ContainerPause(ctx, n.ID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pause node %s: %w", n.Name(), err)
	}
	return nil
}

// Unpause thaws a paused node.
func (n *Node) Unpause(ctx context.Context) error {
	if _, err := n.docker.api.ContainerUnpause(ctx, n.ID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("unpause node %s: %w", n.Name(), err)
	}
	return nil
}

// Exec runs a command inside the running node and returns its exit code and
// combined output (its stdout, then its stderr).
func (n *Node) Exec(ctx context.Context, cmd ...string) (int, string, error) {
	code, out, err := execIn(ctx, n.docker, n.ID(), cmd)
	if err != nil {
		return 0, "", fmt.Errorf("exec %q on %s: %w", strings.Join(cmd, " "), n.Name(), err)
	}
	return code, out, nil
}

// Logs returns the node's machine log: redis-server logs to stdout, and
// the service manager marks each start and exit (LogServerStart,
// LogServerExit).
func (n *Node) Logs(ctx context.Context) (string, error) {
	res, err := n.docker.api.ContainerLogs(ctx, n.ID(), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", fmt.Errorf("read logs of %s: %w", n.Name(), err)
	}
	defer res.Close()
	return demuxLogs(res)
}

// WaitPing waits until the node answers PING or ctx ends. It returns an
// error as soon as the server exits with an error (e.g. refuses a corrupt
// file), whether or not its service manager will try again, or goes down
// for good.
func (n *Node) WaitPing(ctx context.Context) error {
	c := n.Client()
	defer c.Close()
	// Asking the machine whether the server exited costs an inspect and
	// an exec: done at most every serverCheckEvery, never for a server
	// that answers LOADING, so a start that loads in a few ms is seen at
	// once.
	checked := time.Now()
	for {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := c.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if !strings.HasPrefix(err.Error(), "LOADING") && time.Since(checked) >= serverCheckEvery {
			checked = time.Now()
			if code, failed := n.serverFailed(ctx); failed {
				return fmt.Errorf("wait for node %s: redis-server exited with code %d", n.Name(), code)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", n.Name(), ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// serverCheckEvery is how often WaitPing asks the machine whether a
// server that does not answer yet has exited.
const serverCheckEvery = 150 * time.Millisecond

// FollowLog streams the node's machine log from since on (stdout and
// stderr, each line prefixed with Docker's RFC 3339 timestamp and a
// space) until ctx ends or the machine stops.
func (n *Node) FollowLog(ctx context.Context, since time.Time) (io.ReadCloser, error) {
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	res, err := n.docker.api.ContainerLogs(ctx, n.ID(), opts)
	if err != nil {
		return nil, fmt.Errorf("follow log of %s: %w", n.Name(), err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, res)
		_ = res.Close()
		_ = pw.CloseWithError(err)
	}()
	return pr, nil
}
