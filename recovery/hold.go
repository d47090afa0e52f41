package recovery

import (
	"context"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// FenceServiceStop: the node's server is down and its service manager
// keeps it down while the machine stays up. Either the failed primary's
// server died and its service manager would start it again at once
// (restart policy always): the engine told the service manager to keep it
// down and killed whatever it had started meanwhile (s6-svc -d, SIGKILL);
// or a silent (frozen, cut-off) node was fenced through its provider
// (deploy.ServerFencer). Readmit starts it again through the service
// manager.
const FenceServiceStop = "service-stop"

// holdCrashedPrimary fences, before anything else, a shard primary with
// replicas whose server process died (a supervisor event, a refused
// connection, or an empty restart) on a machine that stays up under
// restart policy always. Its supervisor restarts it within milliseconds
// (see harness.bootScript), and a primary that comes back without its data
// has its replicas full-sync the empty set at their next replication cron
// tick (0-1 s later, measured here as early as 280 ms on a loaded host):
// the classification, which takes 0.1-0.5 s, would come too late. A held
// primary is down for good; the plan then promotes a replica that kept the
// data. Silence (a frozen or cut-off node) is not held: it waits the
// detect window and the normal fence.
func (e *Engine) holdCrashedPrimary(ctx context.Context, ev detect.Event, tl *Timeline) {
	if !processGone(ev) || ev.Source == detect.SourceMachine {
		return // a machine crash (Docker's die): the machine holds it down
	}
	n, ok := e.dep.NodeByName(ev.Node)
	if !ok || !n.Supervised() || n.RestartPolicy() != rediskit.RestartAlways {
		return
	}
	e.mu.Lock()
	shards := e.shards
	e.mu.Unlock()
	withReplicas := false
	for _, s := range shards {
		if s.Primary == n && len(s.Replicas) > 0 {
			withReplicas = true
		}
	}
	if !withReplicas {
		return
	}
	_ = tl.Do("hold", func() (string, error) {
		if up, err := n.MachineRunning(ctx); err != nil || !up {
			return "machine down: nothing to hold", nil
		}
		f := Fence{Node: n.Name(), Addr: n.Addr(), Method: FenceServiceStop, At: time.Now(),
			Detail: "server died under a restart-always supervisor: kept down (s6-svc -d) and killed"}
		if err := n.HoldDown(ctx); err != nil {
			return "", err
		}
		e.mu.Lock()
		e.fences = append(e.fences, f)
		e.mu.Unlock()
		return n.Name() + " held down", nil
	})
}

// processGone reports whether ev says the server process itself went away:
// it exited, refused a connection, or came back empty.
func processGone(ev detect.Event) bool {
	switch ev.Kind {
	case detect.KindDie, detect.KindEmptyRestart:
		return true
	case detect.KindUnreachable:
		return strings.HasPrefix(ev.Detail, "refused")
	}
	return false
}
