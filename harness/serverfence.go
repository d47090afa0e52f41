package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/moby/moby/client"
)

// fencedMarker, while it exists, keeps the service's run script from
// starting the server (see bootScript): the mark of a server fence
// (FenceServer). A boot clears it with the rest of /run/redisdrill; a
// start through the service manager (startServer) removes it.
const fencedMarker = "/run/redisdrill/fenced"

// fencedExit is the exit code of a run script that found fencedMarker:
// the finish script neither logs an exit nor asks for a restart after it
// (no server ran).
const fencedExit = "125"

// FenceServer fences the node's server and leaves its machine up, as a
// STONITH agent that kills the service on a host it can still reach: the
// server is killed with SIGKILL and the service manager keeps it down
// (fencedMarker, then s6-svc -d) until Start. On a running machine this is
// one exec. A frozen (paused) machine takes no exec: on a Docker engine on
// this host the marker is written and the server's process killed through
// /proc (the kill is delivered when the machine thaws, before the server
// runs another instruction of its own; a respawn then finds the marker).
// It fails, changing nothing, where neither works (a remote engine, an
// unsupervised node): the caller then kills the machine.
func (n *Node) FenceServer(ctx context.Context) error {
	if !n.Supervised() {
		return fmt.Errorf("fence server of %s: unsupervised (the server is the machine)", n.Name())
	}
	res, err := n.docker.api.ContainerInspect(ctx, n.ID(), client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("fence server of %s: %w", n.Name(), err)
	}
	st := res.Container.State
	switch {
	case st == nil || !st.Running:
		return fmt.Errorf("fence server of %s: machine not running", n.Name())
	case st.Paused:
		if err := fenceFrozen(st.Pid); err != nil {
			return fmt.Errorf("fence server of frozen %s: %w", n.Name(), err)
		}
		return nil
	}
	script := `touch ` + fencedMarker + ` && p=$(s6-svstat -o pid ` + ServiceDir + `) && { case "$p" in ''|-1) ;; *) kill -KILL "$p" 2>/dev/null;; esac; } && s6-svc -d ` + ServiceDir + ` && s6-svc -wD -T 5000 ` + ServiceDir
	return n.runScript(ctx, "fence server", script)
}

// fenceFrozen marks the service of the frozen machine whose init has host
// PID pid as fenced and SIGKILLs every child of that init (the server, or
// a run or finish script): through /proc, so only where the engine runs
// on the Docker host.
func fenceFrozen(pid int) error {
	if pid <= 0 {
		return errors.New("no host pid")
	}
	root := filepath.Join("/proc", strconv.Itoa(pid), "root")
	if err := os.WriteFile(filepath.Join(root, fencedMarker), nil, 0o644); err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	// "d" into s6-supervise's control FIFO (read at the thaw): it wants
	// the service down before it could respawn it, so the run script
	// that would find the marker is not even started. Best effort: the
	// marker alone keeps the server from starting.
	if f, err := os.OpenFile(filepath.Join(root, ServiceDir, "supervise", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		_, _ = f.Write([]byte("d"))
		_ = f.Close()
	}
	kids, err := childrenOf(pid)
	if err != nil {
		_ = os.Remove(filepath.Join(root, fencedMarker))
		return err
	}
	var errs []error
	for _, k := range kids {
		if err := syscall.Kill(k, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// childrenOf returns the host PIDs whose parent is pid (from
// /proc/*/stat).
func childrenOf(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parens.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out, nil
}
