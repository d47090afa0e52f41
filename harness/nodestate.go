package harness

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// machineState is a node's container as one inspect sees it.
type machineState struct {
	up     bool // running (a paused container counts as up)
	paused bool
	exited bool // exited or dead, with code
	code   int
}

// machine inspects the node's container once.
func (n *Node) machine(ctx context.Context) (machineState, error) {
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return machineState{}, fmt.Errorf("inspect node %s: %w", n.Name(), err)
	}
	st := res.Container.State
	if st == nil {
		return machineState{}, nil
	}
	return machineState{up: st.Running, paused: st.Paused, code: st.ExitCode,
		exited: st.Status == container.StateExited || st.Status == container.StateDead}, nil
}

// serverView reads the machine and, when its service manager can be asked (the
// machine is up, not frozen, and supervised), the server's status: asked
// is false otherwise.
func (n *Node) serverView(ctx context.Context) (m machineState, ss ServerStatus, asked bool, err error) {
	if m, err = n.machine(ctx); err != nil || !m.up || m.paused || !n.Supervised() {
		return m, ss, false, err
	}
	ss, err = n.ServerStatus(ctx)
	return m, ss, err == nil, err
}

// MachineRunning reports whether the node's machine (its container) is
// up; a frozen (paused) machine counts as up.
func (n *Node) MachineRunning(ctx context.Context) (bool, error) {
	m, err := n.machine(ctx)
	return m.up, err
}

// Paused reports whether the node is frozen.
func (n *Node) Paused(ctx context.Context) (bool, error) {
	m, err := n.machine(ctx)
	return m.paused, err
}

// State reports whether the server runs and whether the machine is
// frozen (then running is false: a paused container runs for Docker, but
// serves nothing).
func (n *Node) State(ctx context.Context) (running, paused bool, err error) {
	m, ss, asked, err := n.serverView(ctx)
	switch {
	case err != nil:
		return false, false, err
	case !m.up:
		return false, false, nil
	case m.paused:
		return false, true, nil
	case !asked: // unsupervised: the server is the machine
		return true, false, nil
	}
	return ss.Up, false, nil
}

// Exited returns the server's last exit code and whether it is down
// after exiting: the machine has exited (its PID 1's code), or a
// supervised server is down — after a crash, a refusal of its files, or a
// Stop — and its service manager will not start it again by itself. A
// server the supervisor is about to restart has not exited.
func (n *Node) Exited(ctx context.Context) (int, bool, error) {
	m, ss, asked, err := n.serverView(ctx)
	switch {
	case err != nil:
		return 0, false, err
	case m.exited:
		return m.code, true, nil
	case !asked:
		return 0, false, nil
	}
	return ss.ExitCode, !ss.Up && !ss.WantUp && ss.Exited, nil
}

// ServerDown reports whether the node's server is down now — its machine
// is down, or its service manager runs no server process (it may start it
// again) — with the last exit code (-1 after a signal).
func (n *Node) ServerDown(ctx context.Context) (int, bool, error) {
	m, ss, asked, err := n.serverView(ctx)
	switch {
	case err != nil:
		return 0, false, err
	case !m.up:
		return m.code, true, nil
	case !asked:
		return 0, false, nil
	}
	return ss.ExitCode, !ss.Up, nil
}

// serverFailed reports whether the server is down after an error exit
// (code > 0, as on a refused file) or down for good, with the exit code.
func (n *Node) serverFailed(ctx context.Context) (int, bool) {
	m, ss, asked, err := n.serverView(ctx)
	switch {
	case err != nil:
		return 0, false
	case m.exited:
		return m.code, true
	case !asked:
		return 0, false
	}
	return ss.ExitCode, !ss.Up && ss.Exited && (ss.ExitCode > 0 || !ss.WantUp)
}
