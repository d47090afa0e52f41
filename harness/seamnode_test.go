package harness

import (
	"testing"
	"time"
)

func TestServerMarker(t *testing.T) {
	at := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	e, ok := serverMarker(at, "redisdrill-supervisor: exit code=1 signal=0")
	if !ok || e.Start || e.Exit != "code=1 signal=0" || !e.Time.Equal(at) {
		t.Errorf("exit marker: %+v, %v", e, ok)
	}
	e, ok = serverMarker(at, "redisdrill-supervisor: start")
	if !ok || !e.Start {
		t.Errorf("start marker: %+v, %v", e, ok)
	}
	if _, ok := serverMarker(at, "1:M 06 Dec 2026 Ready to accept connections tcp"); ok {
		t.Error("a redis log line made an event")
	}
}
