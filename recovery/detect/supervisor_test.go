package detect

import (
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

func TestSupervisorEvent(t *testing.T) {
	at := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	e := supervisorEvent("n0", deploy.ServerEvent{Time: at, Exit: "code=1 signal=0"})
	if e.Kind != KindDie || e.Detail != "exitCode=1 signal=0" || e.Source != SourceSupervisor || !e.Time.Equal(at) || e.Node != "n0" {
		t.Errorf("exit: %+v", e)
	}
	if e := supervisorEvent("n0", deploy.ServerEvent{Time: at, Start: true}); e.Kind != KindServerStart {
		t.Errorf("start: %+v", e)
	}
}
