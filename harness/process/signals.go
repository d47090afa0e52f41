package process

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// signalByName returns the signal called name (without SIG).
func signalByName(name string) (syscall.Signal, bool) {
	switch name {
	case "KILL":
		return syscall.SIGKILL, true
	case "TERM":
		return syscall.SIGTERM, true
	case "INT":
		return syscall.SIGINT, true
	case "QUIT":
		return syscall.SIGQUIT, true
	case "HUP":
		return syscall.SIGHUP, true
	case "ABRT":
		return syscall.SIGABRT, true
	case "SEGV":
		return syscall.SIGSEGV, true
	case "BUS":
		return syscall.SIGBUS, true
	case "USR1":
		return syscall.SIGUSR1, true
	case "USR2":
		return syscall.SIGUSR2, true
	case "STOP":
		return syscall.SIGSTOP, true
	case "CONT":
		return syscall.SIGCONT, true
	}
	return 0, false
}

// parseSignal reads "SIGKILL", "KILL" or "9"; empty is SIGKILL.
func parseSignal(s string) (syscall.Signal, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return syscall.SIGKILL, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	if sig, ok := signalByName(strings.TrimPrefix(s, "SIG")); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("parse signal %q: unknown signal", s)
}

// exitOf reads a finished process's exit: its code, or -1 and the
// signal that killed it.
func exitOf(ps *os.ProcessState) (code, signal int) {
	if ps == nil {
		return -1, 0
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, int(ws.Signal())
	}
	return ps.ExitCode(), 0
}

// waitStopped waits (up to a second) until the kernel reports process pid
// stopped (state T in /proc/<pid>/stat), so a frozen server writes
// nothing more once Pause returns.
func waitStopped(pid int) error {
	deadline := time.Now().Add(time.Second)
	for {
		if procState(pid) == "T" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for process %d to stop: state %q", pid, procState(pid))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// procState returns the state letter of process pid ("" when gone).
func procState(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
