// Package detect watches a deployment and turns what it sees into one
// timestamped stream of events: Docker container events (die, oom, stop, ...)
// merged with fast Redis probes (reachability, cluster state, role, replication
// link, persistence errors and empty restarts).
//
// Two modes (Mode): auto uses both sources; probe (Options.NoDocker) only
// the probes — what a sidecar next to Redis could see. Either way a probe
// judges a node down by the window rule (Down): at once when the node
// refuses or closes a connection (its process is gone), and only after its
// failed rounds cover the detect window (Options.DownAfter, default
// DefaultDownAfter = 1.5 s) when it is merely silent, so a stall shorter
// than the window (a 1 s freeze) is reported as KindStall and never as
// KindUnreachable.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package detect

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Kind names what happened to a node.
type Kind string

// Kinds reported from Docker container events.
const (
	KindDie     Kind = "die"     // the server exited: its container's PID 1 (Docker), or redis-server under its supervisor (SourceSupervisor); Detail has exitCode
	KindOOM     Kind = "oom"     // kernel OOM killer hit the container
	KindStop    Kind = "stop"    // container stopped (docker stop)
	KindKill    Kind = "kill"    // signal sent through Docker; Detail has signal
	KindPause   Kind = "pause"   // container frozen
	KindUnpause Kind = "unpause" // container thawed
	KindStart   Kind = "start"   // container started
	KindRestart Kind = "restart" // container restarted by Docker

	// KindServerStart: the node's supervisor started redis-server.
	KindServerStart Kind = "server-start"
)

// Kinds reported by the probes.
const (
	KindUnreachable      Kind = "unreachable"       // judged down by the window rule: refused, or silent for the window (once per failure run)
	KindReachable        Kind = "reachable"         // answers again after KindUnreachable
	KindStall            Kind = "stall"             // answers again after failed rounds shorter than the window: no action
	KindClusterFail      Kind = "cluster-fail"      // cluster_state went to fail
	KindClusterOK        Kind = "cluster-ok"        // cluster_state went back to ok
	KindRoleChange       Kind = "role-change"       // INFO replication role changed; Detail "old -> new"
	KindLinkDown         Kind = "link-down"         // replica's master_link_status went down
	KindLinkUp           Kind = "link-up"           // replica's master_link_status is up again
	KindPersistenceError Kind = "persistence-error" // rdb_last_bgsave_status or aof_last_write_status is err
	KindPersistenceOK    Kind = "persistence-ok"    // persistence statuses are ok again
	KindRedisRestart     Kind = "redis-restart"     // run_id changed: redis-server restarted
	KindEmptyRestart     Kind = "empty-restart"     // a primary restarted with (almost) no data while it or its replicas held data
)

// Sources of events.
const (
	// SourceMachine marks the provider's machine events (Docker's container
	// events, a process supervisor's own).
	SourceMachine = "machine"
	SourceProbe   = "probe"
)

// Event is one thing the detector saw happen to one node.
type Event struct {
	Time   time.Time `json:"time"`
	Node   string    `json:"node"` // container name
	Kind   Kind      `json:"kind"`
	Source string    `json:"source"` // SourceMachine, SourceSupervisor or SourceProbe
	// Role is the node's role (master / slave) as last seen by its probe
	// when the event was recorded, so e.g. a "die" of a primary is
	// recognisable without asking the (dead) node.
	Role   string `json:"role,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// String renders the event on one line.
func (e Event) String() string {
	s := fmt.Sprintf("%s %s %s (%s", e.Time.Format("15:04:05.000"), e.Node, e.Kind, e.Source)
	if e.Role != "" {
		s += ", " + e.Role
	}
	s += ")"
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// writeJSONL writes events as JSON lines.
func writeJSONL(w io.Writer, evs []Event) error {
	enc := json.NewEncoder(w)
	for _, e := range evs {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("write event: %w", err)
		}
	}
	return nil
}
