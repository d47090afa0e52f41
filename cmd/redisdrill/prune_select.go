package main

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/redisdrill/redisdrill/harness"
)

// pruneChoice is what prune (without --run or --all) does with one run.
type pruneChoice struct {
	run    string
	remove bool
	pid    int // a process of the run still running, when kept
}

// reason tells why a kept run is kept.
func (c pruneChoice) reason() string {
	return fmt.Sprintf("kept run %s: its process %d is still running; use --all to remove it", c.run, c.pid)
}

// choosePrune decides which runs prune removes without --run or --all:
// those whose owning processes are all gone. An owner id made by
// harness.NewOwnerID names a process of this host; alive reports whether
// it still exists. A resource without an owner label, or with an owner id
// of another form, counts as gone.
func choosePrune(runs []harness.RunInfo, alive func(pid int) bool) []pruneChoice {
	out := make([]pruneChoice, 0, len(runs))
	for _, r := range runs {
		c := pruneChoice{run: r.ID, remove: true}
		for _, o := range r.Owners {
			if pid, ok := harness.OwnerPID(o); ok && alive(pid) {
				c.remove, c.pid = false, pid
				break
			}
		}
		out = append(out, c)
	}
	return out
}

// processAlive reports whether a process with this id exists on this host
// (signal 0 checks without signalling; EPERM means it exists as another
// user's).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
