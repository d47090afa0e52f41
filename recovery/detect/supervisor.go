package detect

import (
	"context"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// SourceSupervisor marks events read from a node's service manager (its
// start and exit markers in the machine's log): auto mode's view of a
// server that dies while its machine stays up, which no container event
// shows.
const SourceSupervisor = "supervisor"

// followSupervisor records the start and exit of n's server as the
// service manager reports them, until ctx ends.
func (d *Detector) followSupervisor(ctx context.Context, n deploy.Node) {
	for se := range n.ServerEvents(ctx, time.Now()) {
		e := supervisorEvent(n.Name(), se)
		if st, ok := d.peers.get(e.Node); ok {
			e.Role = st.Role
		}
		d.events.add(e)
		d.pokeNode(e.Node)
	}
}

// supervisorEvent maps a server's start or exit to an event: the exit is
// KindDie (Detail "exitCode=<c> signal=<s>", code -1 after a signal), the
// start KindServerStart.
func supervisorEvent(node string, se deploy.ServerEvent) Event {
	if se.Start {
		return Event{Time: se.Time, Node: node, Kind: KindServerStart, Source: SourceSupervisor}
	}
	detail := strings.Replace(se.Exit, "code=", "exitCode=", 1)
	return Event{Time: se.Time, Node: node, Kind: KindDie, Source: SourceSupervisor, Detail: detail}
}
