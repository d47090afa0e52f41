package main

import (
	"os"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/harness"
)

func TestChoosePrune(t *testing.T) {
	alive := func(pid int) bool { return pid == 100 || pid == 200 }
	runs := []harness.RunInfo{
		{ID: "a-live", Owners: []string{"p100-0a1b2c3d"}},
		{ID: "b-dead", Owners: []string{"p300-0a1b2c3d"}},
		{ID: "c-no-owner", Owners: []string{""}},
		{ID: "d-mixed", Owners: []string{"", "p300-ffffffff", "p200-00000000"}},
		{ID: "e-foreign", Owners: []string{"ci-job-100", "p-1-aa", "p100"}},
	}
	want := map[string]int{"a-live": 100, "d-mixed": 200} // kept runs and their process
	got := choosePrune(runs, alive)
	if len(got) != len(runs) {
		t.Fatalf("got %d choices for %d runs", len(got), len(runs))
	}
	for i, c := range got {
		if c.run != runs[i].ID {
			t.Fatalf("choice %d is for %s, want %s", i, c.run, runs[i].ID)
		}
		pid, kept := want[c.run]
		if c.remove == kept || c.pid != pid {
			t.Errorf("%s: remove=%v pid=%d, want remove=%v pid=%d", c.run, c.remove, c.pid, !kept, pid)
		}
		if kept && !strings.Contains(c.reason(), "kept run "+c.run) || kept && !strings.Contains(c.reason(), "--all") {
			t.Errorf("%s: reason %q does not name the run and --all", c.run, c.reason())
		}
	}
}

func TestOwnerPID(t *testing.T) {
	if pid, ok := harness.OwnerPID(harness.NewOwnerID()); !ok || pid != os.Getpid() {
		t.Errorf("OwnerPID(NewOwnerID()) = %d, %v; want %d", pid, ok, os.Getpid())
	}
	for _, s := range []string{"", "p", "p12", "p-1-aa", "p0-aa", "px-aa", "q12-aa"} {
		if pid, ok := harness.OwnerPID(s); ok {
			t.Errorf("OwnerPID(%q) = %d: want not ok", s, pid)
		}
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if processAlive(0) || processAlive(-1) {
		t.Error("pid 0 or -1 is alive")
	}
}
