package harness

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// SupervisorS6 is the service manager of redisdrill's images: skarnet's
// s6-supervise (PID 1 of the node's machine, Debian package s6)
// supervises redis-server. Chosen over runit's runsv, which sleeps a whole
// second (deaf to sv commands) after a service that ran under a second:
// after a refused start that held the engine's stop and start of the
// server by up to 1 s (measured here: a start span of 540 ms). s6-supervise
// throttles its own respawns without blocking and starts a service at
// once when told to (s6-svc -u: 6 ms here, 0.7 s after a failed spawn).
const SupervisorS6 = "s6"

// ServiceDir is the s6 service directory of a supervised node's server.
const ServiceDir = "/run/redisdrill/sv/redis"

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

// startedFile holds the nanosecond clock of the server's last start.
const startedFile = "/run/redisdrill/started"

// bootScript is a node machine's init: on the first boot it writes
// $REDISDRILL_CONF to ConfPath ($0). Supervised, it lays out the s6
// service and execs s6-supervise as PID 1. Unsupervised (an image without
// s6) the server itself is PID 1, and its exit is the machine's.
//
// The service's run script stamps the start and execs the server on
// ConfPath. Its finish script logs the exit, then applies the restart
// policy: with "no" it tells s6 not to start the server again by itself
// (s6-svc -O); with "always" a server that ran at least a second is
// started again as soon as s6 has seen finish end (s6-svwait -D, then
// s6-svc -u), as systemd's Restart=always does within its 100 ms
// RestartSec, where s6-supervise alone waits a fixed second after every
// death. A server that dies younger than that (a refused start) is left to
// s6's one-second pace, so a crash loop is throttled as every supervisor
// throttles one. The hurried start is only asked for while s6 still wants
// the server up: a stop (s6-svc -d) is never undone.
//
// While fencedMarker exists (a server fence, FenceServer) the run script
// starts no server: it tells s6 to keep the service down and exits with
// fencedExit, after which the finish script logs nothing and asks for no
// restart.
//
// A machine booted by BootHeld finds holdMarker: its service starts down
// (s6's down file) and the server waits for Start.
//
// Writing the config here rather than copying it into the created
// container spares the engine a mount and unmount of the container's
// filesystem per node: on Docker 20.10 with fuse-overlayfs, six copies
// cost about 0.4 s of a 3x1 cluster's start.
const bootScript = `set -e
mkdir -p "${0%/*}"
[ -s "$0" ] || printf '%s' "$` + envNodeConf + `" > "$0"
if [ "$` + envSupervisor + `" != ` + SupervisorS6 + ` ]; then exec "$1" "$0"; fi
d=` + ServiceDir + `
rm -rf "${d%/*/*}"
mkdir -p "$d"
cat > "$d/run" <<EOF
#!/bin/sh
exec 2>&1
if [ -e ` + fencedMarker + ` ]; then s6-svc -d .; exit ` + fencedExit + `; fi
date +%s%N > ` + startedFile + `
echo "` + LogServerStart + `"
exec $1 $0
EOF
cat > "$d/finish" <<'EOF'
#!/bin/sh
[ "$1" = ` + fencedExit + ` ] && [ -e ` + fencedMarker + ` ] && exit 0
c=$1; [ "$c" = 256 ] && c=-1
echo "` + LogServerExit + ` code=$c signal=$2"
if [ "$` + envRestart + `" = no ]; then exec s6-svc -O .; fi
ran=$(( $(date +%s%N) - $(cat ` + startedFile + ` 2>/dev/null || echo 0) ))
if [ "$ran" -ge 1000000000 ]; then
  ( s6-svwait -D -t 5000 . && [ "$(s6-svstat -o wantedup .)" = true ] && s6-svc -u . ) </dev/null >/dev/null 2>&1 &
fi
exit 0
EOF
chmod +x "$d/run" "$d/finish"
if [ -e ` + holdMarker + ` ]; then rm -f ` + holdMarker + `; touch "$d/down"; fi
exec s6-supervise "$d"
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
type ServerStatus = deploy.ServerStatus

// statusCmd asks s6 for the server's state in machine-readable form:
// "up wantedup pid exitcode signum" ("true true 42 -1 -1").
var statusCmd = []string{"s6-svstat", "-o", "up,wantedup,pid,exitcode,signum", ServiceDir}

// ServerStatus asks the node's service manager about its server. It fails
// when the node is not supervised or its machine does not run.
func (n *Node) ServerStatus(ctx context.Context) (ServerStatus, error) {
	if !n.Supervised() {
		return ServerStatus{}, fmt.Errorf("read server status of %s: not supervised", n.Name())
	}
	code, out, err := execIn(ctx, n.docker, n.ID(), statusCmd)
	if err != nil {
		return ServerStatus{}, fmt.Errorf("read server status of %s: %w", n.Name(), err)
	}
	st, ok := parseServerStatus(out)
	if code != 0 || !ok {
		return ServerStatus{}, fmt.Errorf("read server status of %s: exit %d: %q", n.Name(), code, strings.TrimSpace(out))
	}
	return st, nil
}

// parseServerStatus reads statusCmd's output. s6 reports exitcode -1
// after a signal and signum -1 after a plain exit; both -1 means the
// server never exited since the supervisor started.
func parseServerStatus(out string) (ServerStatus, bool) {
	f := strings.Fields(out)
	if len(f) != 5 {
		return ServerStatus{}, false
	}
	var st ServerStatus
	var err [3]error
	st.Up, st.WantUp = f[0] == "true", f[1] == "true"
	pid, code, sig := 0, 0, 0
	pid, err[0] = strconv.Atoi(f[2])
	code, err[1] = strconv.Atoi(f[3])
	sig, err[2] = strconv.Atoi(f[4])
	if err[0] != nil || err[1] != nil || (err[2] != nil && f[4] != "NA") {
		return ServerStatus{}, false
	}
	if st.Up && pid > 0 {
		st.PID = pid
	}
	switch {
	case sig > 0:
		st.Exited, st.ExitCode, st.Signal = true, -1, sig
	case code >= 0:
		st.Exited, st.ExitCode = true, code
	}
	return st, true
}

// stopServer takes the server down through the service manager (SIGTERM,
// then SIGKILL after timeout) and waits until it is down and its finish
// script ran; the machine stays up and s6 keeps the server down.
func (n *Node) stopServer(ctx context.Context, timeout time.Duration) error {
	ms := strconv.Itoa(int(max(timeout, time.Millisecond) / time.Millisecond))
	// Twice when needed: a restart the finish script of a crash asked for
	// just before this stop would otherwise undo it (see bootScript).
	down := `s6-svc -dwD -T ` + ms + ` ` + ServiceDir + ` || { s6-svc -k ` + ServiceDir + ` && s6-svc -dwD -T 10000 ` + ServiceDir + `; }`
	script := down + ` && { [ "$(s6-svstat -o up,wantedup ` + ServiceDir + `)" = "false false" ] || { ` + down + `; }; }`
	return n.runScript(ctx, "stop server", script)
}

// runScript runs a shell script in the node's machine (one exec) and
// reports a failure or a non-zero exit as "what on node: ...".
func (n *Node) runScript(ctx context.Context, what, script string) error {
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", script})
	if err != nil {
		return fmt.Errorf("%s on %s: %w", what, n.Name(), err)
	}
	if code != 0 {
		return fmt.Errorf("%s on %s: exit %d: %s", what, n.Name(), code, strings.TrimSpace(out))
	}
	return nil
}

// startServer asks the service manager to start the server and returns
// once s6 runs it (it may still load, or exit refusing its files).
func (n *Node) startServer(ctx context.Context) error {
	// One exec: a fenced server (fencedMarker) starts again only here.
	return n.runScript(ctx, "start server", `rm -f `+fencedMarker+` && exec s6-svc -uwu -T 10000 `+ServiceDir)
}

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
	return n.signalServer(ctx, "crash server", "KILL")
}

// signalScript sends signal $1 to the server process itself (not through
// s6-supervise, which delivers it whenever it is next scheduled: on a
// loaded host that was hundreds of ms, while a frozen server kept writing)
// and, for STOP, returns only once the kernel reports it stopped.
const signalScript = `p=$(s6-svstat -o pid ` + ServiceDir + `)
case "$p" in ''|-1|*[!0-9]*) echo "server not running"; exit 3;; esac
kill -"$1" "$p" || exit 4
[ "$1" = STOP ] || exit 0
i=0
while [ "$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null)" != T ]; do
  i=$((i+1)); [ $i -gt 500 ] && { echo "server $p not stopped"; exit 5; }
  sleep 0.002
done`

// signalServer sends signal (KILL, STOP) to the server process.
func (n *Node) signalServer(ctx context.Context, what, signal string) error {
	code, out, err := execIn(ctx, n.docker, n.ID(), []string{"sh", "-c", signalScript, "sh", signal})
	if err != nil {
		return fmt.Errorf("%s on %s: %w", what, n.Name(), err)
	}
	if code != 0 {
		return fmt.Errorf("%s on %s: %s", what, n.Name(), strings.TrimSpace(out))
	}
	return nil
}

// HoldDown tells the service manager to keep the server down and kills
// the server process it runs (or is starting) with SIGKILL at once: a
// fence that holds while the machine stays up. Start lifts it.
func (n *Node) HoldDown(ctx context.Context) error {
	if !n.Supervised() {
		return n.Kill(ctx, "SIGKILL")
	}
	return n.runScript(ctx, "hold server down",
		`s6-svc -d `+ServiceDir+` && { p=$(s6-svstat -o pid `+ServiceDir+`); case "$p" in ''|-1) ;; *) kill -KILL "$p" 2>/dev/null;; esac; s6-svc -wD -T 5000 `+ServiceDir+`; }`)
}

// Freeze stops the server process with SIGSTOP (clients stall, nothing
// fails yet), for a fault that changes files under it before Crash: a
// frozen server writes none of them meanwhile. An unsupervised node is
// left running.
func (n *Node) Freeze(ctx context.Context) error {
	if !n.Supervised() {
		return nil // the server is PID 1: nothing to freeze it with but the whole machine
	}
	return n.signalServer(ctx, "freeze server", "STOP")
}
