package process

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"time"
)

// The supervisor's commands: what Node's Service methods ask of it.

// start boots the machine when it is down and makes the server run; it
// returns once the server process runs (it may still load, or exit
// refusing its files).
func (s *supervisor) start(ctx context.Context) error {
	s.mu.Lock()
	for s.dying { // a Kill under way: let the machine go down first
		done := s.done
		s.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("start node %s: %w", s.node, ctx.Err())
		}
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("start node %s: %w", s.node, errTerminated)
	}
	if !s.up {
		s.up, s.crashed = true, exitInfo{}
		s.line("%s boot", logMachine)
		s.machine(time.Now(), "start", "")
	}
	if s.paused {
		s.thawLocked()
	}
	s.wantUp = true
	if s.proc != nil {
		return nil
	}
	return s.spawnLocked()
}

// stop takes the server down (SIGTERM, SIGKILL after timeout) and keeps
// it down; the machine stays up. It returns once the server exited.
func (s *supervisor) stop(ctx context.Context, timeout time.Duration) error {
	s.mu.Lock()
	if !s.up {
		s.mu.Unlock()
		return nil
	}
	s.wantUp = false
	s.cancelRestartLocked()
	if s.paused {
		s.thawLocked()
	}
	p, done := s.proc, s.done
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.Signal(syscall.SIGTERM)
	_ = p.Signal(syscall.SIGCONT) // a frozen server must see it
	t := time.NewTimer(max(timeout, time.Millisecond))
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop server on %s: %w", s.node, ctx.Err())
	case <-t.C:
	}
	_ = p.Signal(syscall.SIGKILL)
	return waitDone(ctx, done, termWait, "stop server on "+s.node)
}

// kill crashes the machine: sig goes to every process of the machine (the
// server and its children), the machine is down once the server exited,
// and nothing starts it again until start. A machine that runs no server
// goes down at once; one that is already down is left alone.
func (s *supervisor) kill(ctx context.Context, sig syscall.Signal) error {
	s.mu.Lock()
	if !s.up || s.closed || s.dying {
		s.mu.Unlock()
		return nil
	}
	s.wantUp = false
	s.cancelRestartLocked()
	now := time.Now()
	s.machine(now, "kill", "signal="+strconv.Itoa(int(sig)))
	p, done := s.proc, s.done
	if p == nil {
		s.downLocked(now, 128+int(sig))
		s.mu.Unlock()
		return nil
	}
	s.dying = true
	s.mu.Unlock()
	_ = syscall.Kill(-p.Pid, sig)
	if sig != syscall.SIGKILL && sig != syscall.SIGSTOP {
		_ = syscall.Kill(-p.Pid, syscall.SIGCONT) // a frozen machine must see it
	}
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kill node %s: %w", s.node, ctx.Err())
	case <-t.C:
		// The server survived the signal: the machine did not crash.
		s.mu.Lock()
		if s.dying && s.done == done {
			s.dying = false
		}
		s.mu.Unlock()
		return nil
	}
}

// crash kills the server process with SIGKILL while the machine stays up,
// and returns once the supervisor saw the exit (it may have started the
// server again already, by the restart policy).
func (s *supervisor) crash(ctx context.Context) error {
	s.mu.Lock()
	p, done := s.proc, s.done
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("crash server on %s: server not running", s.node)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("crash server on %s: %w", s.node, err)
	}
	return waitDone(ctx, done, killWait, "crash server on "+s.node)
}

// holdDown keeps the server down from now on and kills with SIGKILL the
// process it runs, if any, returning once it exited: a fence that holds
// while the machine stays up. Start lifts it.
func (s *supervisor) holdDown(ctx context.Context) error {
	s.mu.Lock()
	if !s.up {
		s.mu.Unlock()
		return nil
	}
	s.wantUp = false
	s.cancelRestartLocked()
	p, done := s.proc, s.done
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.Signal(syscall.SIGKILL)
	return waitDone(ctx, done, killWait, "hold server down on "+s.node)
}

// pause freezes the machine: SIGSTOP to every process of it, returning
// once the server is stopped. A frozen machine restarts nothing.
func (s *supervisor) pause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.up {
		return fmt.Errorf("pause node %s: machine is down", s.node)
	}
	if s.paused {
		return nil
	}
	if s.proc != nil {
		if err := syscall.Kill(-s.proc.Pid, syscall.SIGSTOP); err != nil {
			return fmt.Errorf("pause node %s: %w", s.node, err)
		}
		if err := waitStopped(s.proc.Pid); err != nil {
			return fmt.Errorf("pause node %s: %w", s.node, err)
		}
	}
	s.paused = true
	s.line("%s frozen", logMachine)
	s.machine(time.Now(), "pause", "")
	return nil
}

// freeze stops only the server process (SIGSTOP) and returns once it is
// stopped; the machine and its supervisor go on (the server counts as
// running).
func (s *supervisor) freeze() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return fmt.Errorf("freeze server on %s: server not running", s.node)
	}
	if err := s.proc.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("freeze server on %s: %w", s.node, err)
	}
	if err := waitStopped(s.proc.Pid); err != nil {
		return fmt.Errorf("freeze server on %s: %w", s.node, err)
	}
	return nil
}

// unpause thaws a frozen machine (and a frozen server); a server that
// should run but exited meanwhile starts now.
func (s *supervisor) unpause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.paused {
		_ = s.proc.Signal(syscall.SIGCONT) // a server frozen alone
	}
	if !s.paused {
		return nil
	}
	s.thawLocked()
	if s.up && s.wantUp && s.proc == nil && !s.pending && !s.closed {
		return s.spawnLocked()
	}
	return nil
}

// thawLocked sends SIGCONT to the machine's processes and reports it.
func (s *supervisor) thawLocked() {
	if s.proc != nil {
		_ = syscall.Kill(-s.proc.Pid, syscall.SIGCONT)
	}
	s.paused = false
	s.line("%s thawed", logMachine)
	s.machine(time.Now(), "unpause", "")
}

// terminate kills every process of the machine for good and waits for
// the server's exit; nothing starts again.
func (s *supervisor) terminate(ctx context.Context) error {
	s.mu.Lock()
	s.closed, s.wantUp, s.up, s.paused = true, false, false, false
	s.cancelRestartLocked()
	p, done := s.proc, s.done
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	return waitDone(ctx, done, termWait, "terminate node "+s.node)
}
