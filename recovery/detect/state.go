package detect

import (
	"fmt"
	"time"
)

// nodeState is what the probe remembers about one node between rounds.
type nodeState struct {
	seen        bool // at least one answer received
	reachable   bool // the last round answered
	everProbed  bool
	run         failureRun // failed rounds since the last answer
	down        bool       // the run was judged down (KindUnreachable emitted)
	runID       string
	role        string
	linkDown    bool // a link-down was reported and no link-up since
	cluster     string
	persistErr  string
	keys        int64 // last keys seen with loading done, before any restart
	restartFrom int64 // keys before the restart being judged, -1 when none pending
}

func newNodeState() *nodeState { return &nodeState{restartFrom: -1} }

// peerKeys returns the most keys any replica of the node at addr (its IP)
// currently holds, as last observed.
type peerKeys func(primaryIP string) int64

// thresholds tune the down and empty-restart judgements.
type thresholds struct {
	MinKeys   int64         // a restart is only judged when at least this many keys were held
	LossRatio float64       // keys after restart below LossRatio × before counts as empty
	DownAfter time.Duration // the detect window W (see Down)
}

// step compares one observation with the state and returns the events it
// implies. ip is the node's current address, used to find its replicas.
func (s *nodeState) step(o observation, ip string, replicas peerKeys, th thresholds) []Event {
	var out []Event
	emit := func(k Kind, format string, args ...any) {
		out = append(out, Event{Kind: k, Source: SourceProbe, Detail: fmt.Sprintf(format, args...)})
	}
	s.everProbed = true
	if o.Err != nil {
		s.run.add(Round{Start: o.Start, End: o.End, Failure: Classify(o.Err)})
		if !s.down && Down(s.run.compact(), th.DownAfter) {
			s.down = true
			emit(KindUnreachable, "%s: %v", s.run.describe(th.DownAfter), o.Err)
		}
		s.reachable = false
		return out
	}
	switch {
	case s.down:
		emit(KindReachable, "")
	case s.run.rounds > 0:
		emit(KindStall, "%s; answers again", s.run.describe(th.DownAfter))
	}
	s.run.reset()
	s.down, s.reachable = false, true

	if s.seen && o.RunID != "" && o.RunID != s.runID {
		emit(KindRedisRestart, "run_id %s -> %s", short(s.runID), short(o.RunID))
		s.restartFrom = s.keys
	}
	if s.restartFrom >= 0 && !o.Loading {
		ref := s.restartFrom
		if r := replicas(ip); r > ref {
			ref = r
		}
		if o.Role == "master" && ref >= th.MinKeys && float64(o.Keys) < th.LossRatio*float64(ref) {
			emit(KindEmptyRestart, "primary restarted with %d keys, held %d before (self or replica)", o.Keys, ref)
		}
		s.restartFrom = -1
	}
	if !o.Loading && s.restartFrom < 0 {
		s.keys = o.Keys
	}

	if s.seen && o.Role != s.role {
		emit(KindRoleChange, "%s -> %s", s.role, o.Role)
	}
	switch {
	case o.Role != "slave":
		s.linkDown = false
	case o.LinkStatus != "up" && !s.linkDown:
		emit(KindLinkDown, "master_link_status:%s (master %s)", o.LinkStatus, o.MasterHost)
		s.linkDown = true
	case o.LinkStatus == "up" && s.linkDown:
		emit(KindLinkUp, "master %s", o.MasterHost)
		s.linkDown = false
	}
	if o.ClusterState != "" && o.ClusterState != s.cluster {
		switch {
		case o.ClusterState != "ok":
			emit(KindClusterFail, "cluster_state:%s", o.ClusterState)
		case s.seen:
			emit(KindClusterOK, "cluster_state:ok")
		}
	}
	if o.PersistErr != s.persistErr {
		switch {
		case o.PersistErr != "":
			emit(KindPersistenceError, "%s", o.PersistErr)
		case s.seen:
			emit(KindPersistenceOK, "")
		}
	}

	s.seen = true
	s.runID, s.role, s.cluster, s.persistErr = o.RunID, o.Role, o.ClusterState, o.PersistErr
	return out
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// health is what the node's current failure run says (see NodeStatus).
func (s *nodeState) health() (down, refused bool, since time.Time) {
	if s.run.rounds == 0 {
		return false, false, time.Time{}
	}
	return s.down, s.run.refusal != nil, s.run.first.Start
}
