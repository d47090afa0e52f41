package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Markers the supervisor writes to a node's log around every run of the
// server (the same text as the Docker provider's s6 scripts write).
const (
	// LogServerStart begins every start of the server.
	LogServerStart = "redisdrill-supervisor: start"
	// LogServerExit begins the line written when the server exited,
	// followed by " code=<exit code> signal=<signal>" (code -1 when
	// killed by a signal, signal 0 after a plain exit).
	LogServerExit = "redisdrill-supervisor: exit"
	// logMachine begins the lines about the machine itself (boot, crash,
	// freeze).
	logMachine = "redisdrill-machine:"
)

// restartPace is the supervisor's throttle, as s6-supervise's: a server
// that ran at least this long is started again at once, one that died
// younger only once this much time has passed since its start.
const restartPace = time.Second

// Bounds of the supervisor's waits for a signalled server to exit.
const (
	killWait = 5 * time.Second
	termWait = 10 * time.Second
)

// errTerminated is returned by a supervisor of a terminated deployment.
var errTerminated = errors.New("deployment terminated")

// exitInfo is one exit of a process.
type exitInfo struct {
	exited       bool
	code, signal int // code -1 after a signal
}

// supervisor is a node's machine: the service manager that runs the
// node's server process, restarts it by the restart policy, and reports
// each start and exit. The machine is "up" from a boot (Start) until it
// crashes (Kill); while it is down nothing starts the server.
type supervisor struct {
	node    string
	binary  string
	conf    string
	policy  rediskit.RestartPolicy
	log     *os.File // the node's log, opened for appending
	logger  *slog.Logger
	server  *feed[deploy.ServerEvent]
	machine func(at time.Time, action, detail string)

	mu      sync.Mutex
	up      bool // the machine runs
	paused  bool // the machine is frozen
	wantUp  bool // the supervisor (re)starts the server
	dying   bool // Kill asked: the machine goes down with its server
	closed  bool // terminated: nothing starts again
	proc    *os.Process
	started time.Time
	done    chan struct{} // closed once proc's exit was handled
	last    exitInfo      // the server's last exit, while it is down
	crashed exitInfo      // the machine's exit, while it is down
	gen     int           // bumped to cancel a pending restart
	pending bool          // a throttled restart is scheduled
}

// supState is one consistent reading of a supervisor.
type supState struct {
	up, paused, wantUp, running bool
	pid                         int
	last, crashed               exitInfo
}

// state reads the supervisor.
func (s *supervisor) state() supState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := supState{up: s.up, paused: s.paused, wantUp: s.wantUp, running: s.proc != nil, last: s.last, crashed: s.crashed}
	if s.proc != nil {
		st.pid = s.proc.Pid
	}
	return st
}

// line appends one timestamped line of the supervisor's to the node log.
func (s *supervisor) line(format string, args ...any) {
	_, _ = fmt.Fprintf(s.log, "%s %s\n", time.Now().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// spawnLocked starts the server process. The server runs in a process
// group of its own (its forks, e.g. a BGSAVE child, belong to the
// machine) and is killed if redisdrill's thread that started it dies.
func (s *supervisor) spawnLocked() error {
	s.cancelRestartLocked()
	cmd := exec.Command(s.binary, s.conf)
	cmd.Dir = filepath.Dir(s.conf)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	at := time.Now()
	s.line("%s %s %s", LogServerStart, s.binary, s.conf)
	s.server.publish(deploy.ServerEvent{Time: at, Start: true})
	if err := cmd.Start(); err != nil {
		s.last = exitInfo{exited: true, code: 127}
		s.line("%s code=127 signal=0 (%v)", LogServerExit, err)
		s.server.publish(deploy.ServerEvent{Time: time.Now(), Exit: "code=127 signal=0"})
		s.afterExitLocked(0)
		return fmt.Errorf("start server on %s: %w", s.node, err)
	}
	s.proc, s.started, s.done, s.last = cmd.Process, at, make(chan struct{}), exitInfo{}
	go s.reap(cmd, s.done)
	return nil
}

// reap waits for the server process to exit, records and reports the
// exit, and applies the restart policy (or takes the machine down after a
// Kill).
func (s *supervisor) reap(cmd *exec.Cmd, done chan struct{}) {
	_ = cmd.Wait()
	at := time.Now()
	code, sig := exitOf(cmd.ProcessState)
	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(done)
	ran := at.Sub(s.started)
	s.proc = nil
	s.last = exitInfo{exited: true, code: code, signal: sig}
	exit := fmt.Sprintf("code=%d signal=%d", code, sig)
	s.line("%s %s", LogServerExit, exit)
	s.server.publish(deploy.ServerEvent{Time: at, Exit: exit})
	s.logger.Debug("server exited", "node", s.node, "code", code, "signal", sig, "ran", ran.Round(time.Millisecond))
	if s.dying {
		s.dying = false
		machineCode := code
		if sig > 0 {
			machineCode = 128 + sig
		}
		s.downLocked(at, machineCode)
		return
	}
	s.afterExitLocked(ran)
}

// afterExitLocked applies the restart policy to a server that exited
// after running for ran.
func (s *supervisor) afterExitLocked(ran time.Duration) {
	switch {
	case s.closed || !s.up || !s.wantUp:
	case s.policy == rediskit.RestartNo:
		s.wantUp = false
	case s.paused: // a frozen machine starts nothing; Unpause does
	case ran >= restartPace:
		if err := s.spawnLocked(); err != nil {
			s.logger.Warn("restart server", "node", s.node, "err", err)
		}
	default:
		s.scheduleLocked(restartPace - ran)
	}
}

// scheduleLocked starts the server again after d, unless something
// (Start, Stop, Kill, ...) cancels it first.
func (s *supervisor) scheduleLocked(d time.Duration) {
	s.gen++
	gen := s.gen
	s.pending = true
	time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.gen != gen {
			return
		}
		s.pending = false
		if s.up && s.wantUp && s.proc == nil && !s.paused && !s.closed {
			if err := s.spawnLocked(); err != nil {
				s.logger.Warn("restart server", "node", s.node, "err", err)
			}
		}
	})
}

func (s *supervisor) cancelRestartLocked() {
	s.gen++
	s.pending = false
}

// downLocked records the machine's crash with its exit code.
func (s *supervisor) downLocked(at time.Time, code int) {
	s.up, s.paused, s.wantUp = false, false, false
	s.cancelRestartLocked()
	s.crashed = exitInfo{exited: true, code: code}
	s.line("%s down (exit code %d)", logMachine, code)
	s.machine(at, "die", "exitCode="+strconv.Itoa(code))
}

// waitDone waits until done closes, at most bound or until ctx ends.
func waitDone(ctx context.Context, done <-chan struct{}, bound time.Duration, what string) error {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case <-t.C:
		return fmt.Errorf("%s: the server did not exit within %s", what, bound)
	}
}
