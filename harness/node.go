package harness

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/redis/go-redis/v9"
)

// Node is one redis-server container of a deployment. Its data dir lives in
// a named Docker volume, so files can be read, corrupted and replaced while
// the node is stopped.
type Node struct {
	Name   string // container name, also the network alias
	Index  int    // position in the deployment, stable across restarts
	Volume string // named volume mounted at DataDir

	docker   *Docker
	id       string // container id
	network  string
	image    string
	runID    string
	password string
	dialer   *Dialer

	mu       sync.Mutex
	ip       string
	hostPort int
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
		return fmt.Errorf("inspect node %s: %w", n.Name, err)
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

// Running reports whether the container is running (paused counts as running).
func (n *Node) Running(ctx context.Context) (bool, error) {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return false, fmt.Errorf("inspect node %s: %w", n.Name, err)
	}
	return res.Container.State != nil && res.Container.State.Running, nil
}

// State reports in one inspect whether the container runs and whether it
// is frozen (a paused container also counts as running for Docker).
func (n *Node) State(ctx context.Context) (running, paused bool, err error) {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return false, false, fmt.Errorf("inspect node %s: %w", n.Name, err)
	}
	st := res.Container.State
	if st == nil {
		return false, false, nil
	}
	return st.Running && !st.Paused, st.Paused, nil
}

// Kill sends SIGKILL (or the given signal) to redis-server.
func (n *Node) Kill(ctx context.Context, signal string) error {
	if signal == "" {
		signal = "SIGKILL"
	}
	if _, err := n.docker.api.ContainerKill(ctx, n.ID(), client.ContainerKillOptions{Signal: signal}); err != nil {
		return fmt.Errorf("kill node %s: %w", n.Name, err)
	}
	return nil
}

// Stop stops the node gracefully (SIGTERM, then SIGKILL after timeout).
func (n *Node) Stop(ctx context.Context, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	if _, err := n.docker.api.ContainerStop(ctx, n.ID(), client.ContainerStopOptions{Timeout: &secs}); err != nil {
		return fmt.Errorf("stop node %s: %w", n.Name, err)
	}
	return nil
}

// Start starts a stopped node and refreshes its address.
func (n *Node) Start(ctx context.Context) error {
	if _, err := n.docker.api.ContainerStart(ctx, n.ID(), client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start node %s: %w", n.Name, err)
	}
	return n.refresh(ctx)
}

// Pause freezes every process of the node (SIGSTOP through the cgroup freezer).
func (n *Node) Pause(ctx context.Context) error {
	if _, err := n.docker.api.ContainerPause(ctx, n.ID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pause node %s: %w", n.Name, err)
	}
	return nil
}

// Unpause thaws a paused node.
func (n *Node) Unpause(ctx context.Context) error {
	if _, err := n.docker.api.ContainerUnpause(ctx, n.ID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("unpause node %s: %w", n.Name, err)
	}
	return nil
}

// Paused reports whether the node is frozen.
func (n *Node) Paused(ctx context.Context) (bool, error) {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return false, fmt.Errorf("inspect node %s: %w", n.Name, err)
	}
	return res.Container.State != nil && res.Container.State.Paused, nil
}

// Exited returns the exit code and whether the container has exited.
func (n *Node) Exited(ctx context.Context) (int, bool, error) {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return 0, false, fmt.Errorf("inspect node %s: %w", n.Name, err)
	}
	st := res.Container.State
	if st == nil {
		return 0, false, nil
	}
	return st.ExitCode, st.Status == container.StateExited || st.Status == container.StateDead, nil
}

// Exec runs a command inside the running node and returns its exit code and
// combined output (its stdout, then its stderr).
func (n *Node) Exec(ctx context.Context, cmd ...string) (int, string, error) {
	code, out, err := execIn(ctx, n.docker, n.ID(), cmd)
	if err != nil {
		return 0, "", fmt.Errorf("exec %q on %s: %w", strings.Join(cmd, " "), n.Name, err)
	}
	return code, out, nil
}

// Logs returns the node's container log (redis-server logs to stdout).
func (n *Node) Logs(ctx context.Context) (string, error) {
	res, err := n.docker.api.ContainerLogs(ctx, n.ID(), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", fmt.Errorf("read logs of %s: %w", n.Name, err)
	}
	defer res.Close()
	return demuxLogs(res)
}

// WaitPing waits until the node answers PING or ctx ends. It reports the
// node's exit if the container stops meanwhile (e.g. refused a corrupt file).
func (n *Node) WaitPing(ctx context.Context) error {
	c := n.Client()
	defer c.Close()
	for {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := c.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if code, exited, ierr := n.Exited(ctx); ierr == nil && exited {
			return fmt.Errorf("wait for node %s: redis-server exited with code %d", n.Name, code)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", n.Name, ctx.Err(), err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}
