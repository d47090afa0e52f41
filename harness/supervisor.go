package harness

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RestartPolicy says what a node's service manager does when redis-server
// exits on its own (a crash, or a refusal to load its files).
type RestartPolicy string

// Restart policies.
const (
	// RestartAlways restarts the server whenever it exits, as systemd's
	// Restart=always does in production (and what makes a primary that
	// restarts empty a hazard to its replicas).
	RestartAlways RestartPolicy = "always"
	// RestartNo leaves an exited server down until someone starts it.
	RestartNo RestartPolicy = "no"
)

// SupervisorRunit is the service manager of redisdrill's images: runit's
// runsv (PID 1 of the node's machine) supervises redis-server.
const SupervisorRunit = "runit"

// ServiceDir is the runit service directory of a supervised node's server.
const ServiceDir = "/run/redisdrill/sv/redis"

// exitFile holds "<exit code> <signal>" of the server's last exit (runit's
// finish arguments: code -1 when a signal killed it).
const exitFile = "/run/redisdrill/exit"

// Log markers the supervisor writes to the machine's log (container
// stdout) around every run of the server.
const (
	// LogServerStart begins every start of the server.
	LogServerStart = "redisdrill-supervisor: start"
	// LogServerExit begins the line written when the server exited, followed
	// by " code=<exit code> signal=<signal>" (code -1 when killed by signal).
	LogServerExit = "redisdrill-supervisor: exit"
)

// Environment a node's machine boots with.
const (
	envSupervisor = "REDISDRILL_SUPERVISOR"
	envRestart    = "REDISDRILL_RESTART"
)

// bootScript is a node machine's init: on the first boot it writes
// $REDISDRILL_CONF to ConfPath ($0). Supervised, it lays out the runit
// service (run execs the server on ConfPath; finish records the exit and,
// with restart policy "no", marks the service down so runsv does not
// restart it) and execs runsv as PID 1. Unsupervised (an image without
// runit) the server itself is PID 1, and its exit is the machine's.
//
// Writing the config here rather than copying it into the created
// container spares the engine a mount and unmount of the container's
// filesystem per node: on Docker 20.10 with fuse-overlayfs, six copies
// cost about 0.4 s of a 3x1 cluster's start.
const bootScript = `set -e
mkdir -p "${0%/*}"
[ -s "$0" ] || printf '%s' "$` + envNodeConf + `" > "$0"
if [ "$` + envSupervisor + `" != ` + SupervisorRunit + ` ]; then exec "$1" "$0"; fi
d=` + ServiceDir + `
rm -rf "${d%/*/*}"
mkdir -p "$d"
printf '#!/bin/sh\nexec 2>&1\necho "` + LogServerStart + `"\nexec %s %s\n' "$1" "$0" > "$d/run"
printf '#!/bin/sh\necho "` + LogServerExit + ` code=$1 signal=$2"\necho "$1 $2" > ` + exitFile + `\nif [ "$` + envRestart + `" = no ]; then printf d > supervise/control; fi\nexit 0\n' > "$d/finish"
chmod +x "$d/run" "$d/finish"
exec runsv "$d"
`

// nodeCmd is a node machine's command: bootScript with the config path and
// the server binary as its arguments.
func nodeCmd(binary string) []string {
	return []string{"/bin/sh", "-c", bootScript, ConfPath, binary}
}

// nodeEnv is a node machine's environment: its config, and for a
// supervised node the supervisor and the restart policy.
func nodeEnv(conf, supervisor string, policy RestartPolicy) []string {
	env := []string{envNodeConf + "=" + conf}
	if supervisor != "" {
		if policy == "" {
			policy = RestartAlways
		}
		env = append(env, envSupervisor+"="+supervisor, envRestart+"="+string(policy))
	}
	return env
}

// ServerStatus is what the service manager says of a node's server.
type ServerStatus struct {
	// Up is true while the server process runs.
	Up bool
	// WantUp is true when the supervisor will (re)start it.
	WantUp bool
	// PID is the server's process id inside the machine (0 when down).
	PID int
	// ExitCode and Signal describe its last exit (Exited false: it never
	// exited since the machine booted). ExitCode is -1 after a signal.
	Exited   bool
	ExitCode int
	Signal   int
}

// statusScript prints runit's status line of the server, then the last
// exit the finish script recorded ("" before the first exit).
const statusScript = `sv status ` + ServiceDir + `; echo; cat ` + exitFile + ` 2>/dev/null; true`

// ServerStatus asks the node's service manager about its server. It fails
// when the node is not supervised or its machine does not run.
func (n *Node) ServerStatus(ctx context.Context) (ServerStatus, error) {
	if !n.Supervised() {
		return ServerStatus{}, fmt.Errorf("read server status of %s: not supervised", n.Name)
	}
	_, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", statusScript})
	if err != nil {
		return ServerStatus{}, fmt.Errorf("read server status of %s: %w", n.Name, err)
	}
	st, ok := parseServerStatus(out)
	if !ok {
		return ServerStatus{}, fmt.Errorf("read server status of %s: %q", n.Name, strings.TrimSpace(out))
	}
	return st, nil
}

// parseServerStatus reads statusScript's output: `sv status` ("run: DIR:
// (pid 10) 5s", "down: DIR: 1s, normally up, want up", "finish: ...")
// and the exit file ("<code> <signal>").
func parseServerStatus(out string) (ServerStatus, bool) {
	var st ServerStatus
	lines := strings.Split(strings.TrimSpace(out), "\n")
	state, _, found := strings.Cut(lines[0], ":")
	if !found {
		return st, false
	}
	switch state {
	case "run":
		st.Up = true
	case "down", "finish":
	default:
		return st, false
	}
	// sv prints "want up" only for a down service that runsv will start,
	// and "want down" only for a running (or finishing) one it will stop.
	if state == "down" {
		st.WantUp = strings.Contains(lines[0], "want up")
	} else {
		st.WantUp = !strings.Contains(lines[0], "want down")
	}
	if i := strings.Index(lines[0], "(pid "); i >= 0 && st.Up {
		rest := lines[0][i+len("(pid "):]
		if j := strings.Index(rest, ")"); j >= 0 {
			st.PID, _ = strconv.Atoi(rest[:j])
		}
	}
	for _, l := range lines[1:] {
		parts := strings.Fields(l)
		if len(parts) == 2 {
			if c, err := strconv.Atoi(parts[0]); err == nil {
				st.Exited, st.ExitCode = true, c
				st.Signal, _ = strconv.Atoi(parts[1])
			}
		}
	}
	return st, true
}

// svWaitScript sends one runit command to the server's service and waits
// (up to timeout) until runsv's state is state.
func svWaitScript(cmd, state string, timeout time.Duration) []string {
	ticks := int(timeout / (10 * time.Millisecond))
	script := fmt.Sprintf(`sv %s %s >/dev/null || exit 3
i=0
while [ "$(cat %s/supervise/stat 2>/dev/null)" != %s ]; do
  i=$((i+1)); [ $i -gt %d ] && { cat %s/supervise/stat; exit 4; }
  sleep 0.01
done`, cmd, ServiceDir, ServiceDir, state, ticks, ServiceDir)
	return []string{"sh", "-c", script}
}

// stopServer takes the server down through the service manager (SIGTERM,
// then SIGKILL after timeout) and waits until it is down; the machine
// stays up.
func (n *Node) stopServer(ctx context.Context, timeout time.Duration) error {
	script := fmt.Sprintf(`sv down %s >/dev/null || exit 3
i=0
while [ "$(cat %s/supervise/stat 2>/dev/null)" != down ]; do
  i=$((i+1))
  [ $i -eq %d ] && sv kill %s >/dev/null
  [ $i -gt %d ] && { cat %s/supervise/stat; exit 4; }
  sleep 0.01
done`, ServiceDir, ServiceDir, max(1, int(timeout/(10*time.Millisecond))), ServiceDir,
		int(timeout/(10*time.Millisecond))+500, ServiceDir)
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", script})
	if err != nil {
		return fmt.Errorf("stop server on %s: %w", n.Name, err)
	}
	if code != 0 {
		return fmt.Errorf("stop server on %s: exit %d: %s", n.Name, code, strings.TrimSpace(out))
	}
	return nil
}

// startServer asks the service manager to start the server and returns
// once runsv runs it (it may still load, or exit refusing its files).
func (n *Node) startServer(ctx context.Context) error {
	code, out, err := execIn(ctx, n.docker, n.ID(), svWaitScript("up", "run", 10*time.Second))
	if err != nil {
		return fmt.Errorf("start server on %s: %w", n.Name, err)
	}
	if code != 0 {
		return fmt.Errorf("start server on %s: exit %d: %s", n.Name, code, strings.TrimSpace(out))
	}
	return nil
}

// crashScript SIGKILLs the server process (not the service manager).
const crashScript = `p=$(cat ` + ServiceDir + `/supervise/pid 2>/dev/null)
[ -n "$p" ] && [ "$(cat ` + ServiceDir + `/supervise/stat)" = run ] || { echo "server not running"; exit 3; }
kill -KILL "$p"`

// Crash kills the node's server process with SIGKILL while its machine
// stays up: production's "redis-server died". The service manager then
// restarts it or not, by the deployment's restart policy. An unsupervised
// node's server is its machine's PID 1, so there Crash kills the machine
// and, with restart policy always, boots it again.
func (n *Node) Crash(ctx context.Context) error {
	if !n.Supervised() {
		if err := n.Kill(ctx, "SIGKILL"); err != nil {
			return err
		}
		if n.policy == RestartNo {
			return nil
		}
		return n.Start(ctx)
	}
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", crashScript})
	if err != nil {
		return fmt.Errorf("crash server on %s: %w", n.Name, err)
	}
	if code != 0 {
		return fmt.Errorf("crash server on %s: %s", n.Name, strings.TrimSpace(out))
	}
	return nil
}

// Freeze stops the server process with SIGSTOP (clients stall, nothing
// fails yet), for a fault that changes files under it before Crash: a
// frozen server writes none of them meanwhile. An unsupervised node is
// left running.
func (n *Node) Freeze(ctx context.Context) error {
	if !n.Supervised() {
		return nil // the server is PID 1: nothing to freeze it with but the whole machine
	}
	script := strings.Replace(crashScript, "-KILL", "-STOP", 1)
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", script})
	if err != nil {
		return fmt.Errorf("freeze server on %s: %w", n.Name, err)
	}
	if code != 0 {
		return fmt.Errorf("freeze server on %s: %s", n.Name, strings.TrimSpace(out))
	}
	return nil
}
