package detect

import (
	"bufio"
	"context"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// SourceSupervisor marks events read from a node's service manager (its
// start and exit markers in the machine's log): auto mode's view of a
// server that dies while its machine stays up, which no container event
// shows.
const SourceSupervisor = "supervisor"

// followSupervisor records the start and exit of n's server as the
// service manager logs them (harness.LogServerStart, LogServerExit), until
// ctx ends; it follows the log again when the machine reboots.
func (d *Detector) followSupervisor(ctx context.Context, n *harness.Node) {
	since := time.Now()
	for ctx.Err() == nil {
		if r, err := n.FollowLog(ctx, since); err == nil {
			since = d.readSupervisorLog(r, n.Name, since)
			_ = r.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readSupervisorLog turns marker lines into events and returns the time of
// the last line read (or since when none was).
func (d *Detector) readSupervisorLog(r interface{ Read([]byte) (int, error) }, node string, since time.Time) time.Time {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	last := since
	for sc.Scan() {
		stamp, line, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			continue
		}
		if t.After(last) {
			last = t.Add(time.Nanosecond)
		}
		if e, ok := supervisorEvent(t, node, line); ok {
			if st, ok := d.peers.get(node); ok {
				e.Role = st.Role
			}
			d.events.add(e)
			d.pokeNode(node)
		}
	}
	return last
}

// supervisorEvent maps a supervisor marker line to an event: the server's
// exit is KindDie (Detail "exitCode=<c> signal=<s>", code -1 after a
// signal), its start KindServerStart.
func supervisorEvent(t time.Time, node, line string) (Event, bool) {
	switch {
	case strings.HasPrefix(line, harness.LogServerExit):
		detail := strings.TrimSpace(strings.TrimPrefix(line, harness.LogServerExit))
		detail = strings.Replace(detail, "code=", "exitCode=", 1)
		return Event{Time: t, Node: node, Kind: KindDie, Source: SourceSupervisor, Detail: detail}, true
	case strings.HasPrefix(line, harness.LogServerStart):
		return Event{Time: t, Node: node, Kind: KindServerStart, Source: SourceSupervisor}, true
	}
	return Event{}, false
}
