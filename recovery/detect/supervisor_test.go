package detect

import (
	"testing"
	"time"
)

func TestSupervisorEvent(t *testing.T) {
	at := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	e, ok := supervisorEvent(at, "n0", "redisdrill-supervisor: exit code=1 signal=0")
	if !ok || e.Kind != KindDie || e.Detail != "exitCode=1 signal=0" || e.Source != SourceSupervisor || !e.Time.Equal(at) {
		t.Errorf("exit marker: %+v, %v", e, ok)
	}
	e, ok = supervisorEvent(at, "n0", "redisdrill-supervisor: start")
	if !ok || e.Kind != KindServerStart {
		t.Errorf("start marker: %+v, %v", e, ok)
	}
	if _, ok := supervisorEvent(at, "n0", "1:M 06 Dec 2026 Ready to accept connections tcp"); ok {
		t.Error("a redis log line made an event")
	}
}
