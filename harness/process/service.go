package process

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Supervised reports that a service manager runs the node's server:
// always, for local processes.
func (n *Node) Supervised() bool { return true }

// RestartPolicy returns what the node's supervisor does when the server
// exits on its own.
func (n *Node) RestartPolicy() deploy.RestartPolicy {
	if n.sup.policy == "" {
		return rediskit.RestartAlways
	}
	return n.sup.policy
}

// Start makes the node's server run: it boots the machine when it is
// down (the supervisor then starts the server) and otherwise asks the
// supervisor to start the server. It returns once the server process
// runs; it may still be loading its files, or about to refuse them
// (WaitPing tells).
func (n *Node) Start(ctx context.Context) error { return n.sup.start(ctx) }

// Stop stops the node's server gracefully (SIGTERM, then SIGKILL after
// timeout) and returns once it is down; the supervisor keeps it down
// until Start, and the machine stays up.
func (n *Node) Stop(ctx context.Context, timeout time.Duration) error {
	return n.sup.stop(ctx, timeout)
}

// Kill crashes the node's machine: the signal (SIGKILL when empty) goes
// to the server and every process it forked, the machine is down once
// the server exited, and nothing restarts it until Start boots it again.
func (n *Node) Kill(ctx context.Context, signal string) error {
	sig, err := parseSignal(signal)
	if err != nil {
		return fmt.Errorf("kill node %s: %w", n.Name(), err)
	}
	return n.sup.kill(ctx, sig)
}

// Crash kills the node's server process with SIGKILL while its machine
// stays up (production's "redis-server died"); the supervisor restarts it
// or not by the restart policy. It returns once the supervisor saw the
// exit.
func (n *Node) Crash(ctx context.Context) error { return n.sup.crash(ctx) }

// Pause freezes the node's machine (SIGSTOP to the server and its forks)
// and returns once the server is stopped.
func (n *Node) Pause(ctx context.Context) error { return n.sup.pause() }

// Freeze stops only the server process (SIGSTOP): clients stall, nothing
// fails yet, the supervisor still counts it as running. For a fault that
// changes files under a server before Crash.
func (n *Node) Freeze(ctx context.Context) error { return n.sup.freeze() }

// Unpause thaws a frozen node (SIGCONT).
func (n *Node) Unpause(ctx context.Context) error { return n.sup.unpause() }

// HoldDown tells the supervisor to keep the server down and kills the
// server process it runs with SIGKILL at once, returning once it exited:
// a fence that holds while the machine stays up. Start lifts it.
func (n *Node) HoldDown(ctx context.Context) error { return n.sup.holdDown(ctx) }

// State reports whether the server runs and whether the machine is
// frozen (then running is false: it serves nothing).
func (n *Node) State(ctx context.Context) (running, paused bool, err error) {
	st := n.sup.state()
	switch {
	case !st.up:
		return false, false, nil
	case st.paused:
		return false, true, nil
	}
	return st.running, false, nil
}

// Running reports whether the node's server runs (a frozen machine counts
// as running: nothing can be asked of it).
func (n *Node) Running(ctx context.Context) (bool, error) {
	running, paused, err := n.State(ctx)
	return running || paused, err
}

// MachineRunning reports whether the node's machine is up; a frozen
// machine counts as up.
func (n *Node) MachineRunning(ctx context.Context) (bool, error) { return n.sup.state().up, nil }

// Paused reports whether the node's machine is frozen.
func (n *Node) Paused(ctx context.Context) (bool, error) { return n.sup.state().paused, nil }

// Exited returns the server's last exit code and whether it is down after
// exiting: the machine crashed (the exit code of its server, 128+signal
// after a signal), or the server is down — after a crash, a refusal of its
// files, or a Stop — and the supervisor will not start it again by
// itself. A server the supervisor is about to restart has not exited.
func (n *Node) Exited(ctx context.Context) (code int, exited bool, err error) {
	st := n.sup.state()
	if !st.up {
		return st.crashed.code, st.crashed.exited, nil
	}
	return st.last.code, !st.running && !st.wantUp && st.last.exited, nil
}

// ServerStatus is the supervisor's view of the node's server. It fails
// when the machine is down.
func (n *Node) ServerStatus(ctx context.Context) (deploy.ServerStatus, error) {
	st := n.sup.state()
	if !st.up {
		return deploy.ServerStatus{}, fmt.Errorf("read server status of %s: machine is down", n.Name())
	}
	ss := deploy.ServerStatus{Up: st.running, WantUp: st.wantUp, PID: st.pid}
	if !st.running && st.last.exited {
		ss.Exited, ss.ExitCode, ss.Signal = true, st.last.code, st.last.signal
	}
	return ss, nil
}

// ServerDown reports whether the node's server is down now — its machine
// is down, or the supervisor runs no server process (it may start it
// again) — with the last exit code (-1 after a signal).
func (n *Node) ServerDown(ctx context.Context) (code int, down bool, err error) {
	st := n.sup.state()
	if !st.up {
		return st.crashed.code, true, nil
	}
	return st.last.code, !st.running, nil
}

// Logs returns the node's log: the server's own lines (its logfile, its
// stdout and stderr) and the supervisor's timestamped start, exit and
// machine lines, in the order they were written.
func (n *Node) Logs(ctx context.Context) (string, error) {
	data, err := os.ReadFile(n.LogPath())
	if err != nil {
		return "", fmt.Errorf("read logs of %s: %w", n.Name(), err)
	}
	return string(data), nil
}

// ServerEvents streams each start and exit of the node's server as the
// supervisor reports them, from since (all it remembers when zero) until
// ctx ends, across reboots of the machine; the channel closes when ctx
// ends.
func (n *Node) ServerEvents(ctx context.Context, since time.Time) <-chan deploy.ServerEvent {
	return n.sup.server.subscribe(ctx, since, true)
}
