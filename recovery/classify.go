package recovery

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// classify turns the first failure event into an incident: which shard,
// which node, what is still alive.
func (e *Engine) classify(ctx context.Context, ev detect.Event) (*Incident, error) {
	node, ok := e.dep.NodeByName(ev.Node)
	if !ok {
		return nil, fmt.Errorf("classify failure: unknown node %q", ev.Node)
	}
	e.mu.Lock()
	shards := e.shards
	base := e.baseline
	e.failed = append(e.failed, node)
	e.mu.Unlock()
	inc := &Incident{Kind: PrimaryDown, Failed: node, DetectedAt: ev.Time, Detail: ev.String(), PreFaultKeys: -1, env: e}
	found := false
	for _, s := range shards {
		if s.Primary == node {
			inc.Shard, inc.Slots, inc.FailedID, inc.Replicas = s.Index, s.Slots, s.PrimaryID, s.Replicas
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("classify failure: %s was not a primary before the fault (replica failures need no failover)", node.Name)
	}
	for _, sb := range base.Shards {
		if sb.Index == inc.Shard {
			inc.PreFaultKeys = sb.Keys
		}
	}
	running, _ := node.Running(ctx)
	paused, _ := node.Paused(ctx)
	inc.PrimaryKnownDead = !running && !paused
	if ev.Kind == detect.KindEmptyRestart {
		inc.Kind = EmptyRestart
	}
	liveReplicas := 0
	for _, r := range inc.Replicas {
		if pingQuick(ctx, r) {
			liveReplicas++
		}
	}
	if liveReplicas == 0 && inc.PrimaryKnownDead {
		inc.Kind = ShardLost
		if e.allDown(ctx) {
			inc.Kind = ClusterLost
		}
	}
	return inc, nil
}

func (e *Engine) allDown(ctx context.Context) bool {
	for _, n := range e.dep.Nodes() {
		if pingQuick(ctx, n) {
			return false
		}
	}
	return true
}

func pingQuick(ctx context.Context, n *harness.Node) bool {
	c := n.Client()
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	return c.Ping(pctx).Err() == nil
}

// refusalMarkers are log lines with which redis-server refuses its files.
var refusalMarkers = []string{
	"Bad file format", "Short read", "Wrong RDB checksum", "Unrecoverable error",
	"Bad file format reading the append only file", "corrupted cluster config file",
	"Fatal error loading", "Unexpected EOF", "Internal error in RDB reading",
}

// observeFailed records how the failed node behaved: whether redis-server
// exited refusing its files (with the log line saying why).
func (e *Engine) observeFailed(ctx context.Context, inc *Incident) []string {
	if inc == nil || inc.Failed == nil {
		return nil
	}
	code, exited, err := inc.Failed.Exited(ctx)
	if err != nil || !exited {
		return nil
	}
	logs, err := inc.Failed.Logs(ctx)
	if err != nil {
		return nil
	}
	if line := RefusalLine(logs); line != "" {
		return []string{fmt.Sprintf("refused-start: exit %d: %s", code, line)}
	}
	return []string{fmt.Sprintf("exited: code %d", code)}
}

// RefusalLine returns the last log line in which redis-server refused to
// load its files, or "".
func RefusalLine(logs string) string {
	lines := strings.Split(logs, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		for _, m := range refusalMarkers {
			if strings.Contains(lines[i], m) {
				return strings.TrimSpace(lines[i])
			}
		}
	}
	return ""
}
