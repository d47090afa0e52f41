package recovery

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// How the engine judges a node's liveness. In auto mode it may ask Docker
// (container running, paused, exited); in probe mode (detect.ModeProbe) it
// may use only what a sidecar next to Redis sees: replies, refused or
// closed connections, timeouts — and the node's own log for why it exited.

// outcomeTimeout bounds the wait for a failed node that is up but does not
// serve (auto: the container runs but Redis does not answer; probe: Redis
// answers LOADING or another error).
const outcomeTimeout = 20 * time.Second

// restartGrace is how long, in probe mode, a node whose process was seen
// gone (a refused or closed connection) may take to listen again, or to log
// why it refused its files, once the engine waits on it, before it counts as
// down. Redis listens within tens of milliseconds of its start — before it
// loads its data, answering LOADING meanwhile — and the engine only waits
// after the failure was detected, so this covers a restart already under
// way (a supervisor's, or a fault's) without costing a lost node much.
const restartGrace = 500 * time.Millisecond

// probeOnly reports whether the engine runs in probe mode: no Docker events
// and no Docker container state in any decision.
func (e *Engine) probeOnly() bool { return e.opts.Detect.NoDocker }

// DetectMode returns the engine's detection mode.
func (e *Engine) DetectMode() detect.Mode { return e.opts.Detect.Mode() }

// nodeAlive reports whether n answers PING. A node known not to answer is
// dead without paying a ping timeout: one whose last probe round failed
// (both modes), or in auto mode a container Docker reports stopped or
// frozen.
func (e *Engine) nodeAlive(ctx context.Context, n deploy.Node) bool {
	if e.silent(n) {
		return false
	}
	if !e.probeOnly() {
		if e.machineGone(n) {
			return false
		}
		if running, _, err := n.State(ctx); err == nil && !running {
			return false
		}
	}
	return pingQuick(ctx, n)
}

// machineGone reports whether the machine events since the engine was
// armed say n's machine was SIGKILLed, died or stopped, with no start
// after. A machine Docker is still tearing down is "running" to an
// inspect and answers no PING: asking it waited out quickTimeout, one
// node after another, in the classification of a whole-cluster crash
// (its observe span 0.45-0.87 s).
func (e *Engine) machineGone(n deploy.Node) bool {
	e.mu.Lock()
	armed := e.armedAt
	e.mu.Unlock()
	return machineGoneIn(e.det.All(), n.Name(), armed)
}

// machineGoneIn is machineGone over events (ordered by time) of node
// since armed.
func machineGoneIn(events []detect.Event, node string, armed time.Time) bool {
	gone := false
	for _, ev := range events {
		if ev.Node != node || ev.Source != detect.SourceMachine || ev.Time.Before(armed) {
			continue
		}
		switch ev.Kind {
		case detect.KindDie, detect.KindStop:
			gone = true
		case detect.KindKill:
			gone = gone || sigkill(ev.Detail)
		case detect.KindStart, detect.KindRestart:
			gone = false
		}
	}
	return gone
}

// machineExit returns the exit code of n's machine when the provider's
// machine events since the engine was armed say it was killed with SIGKILL
// and died (no start after): what such a machine did needs no look at it.
func (e *Engine) machineExit(n deploy.Node) (int, bool) {
	e.mu.Lock()
	armed := e.armedAt
	e.mu.Unlock()
	return machineExitIn(e.det.All(), n.Name(), armed)
}

// machineExitIn is machineExit over events (ordered by time) of node since
// armed.
func machineExitIn(events []detect.Event, node string, armed time.Time) (int, bool) {
	killed, code, died := false, 0, false
	for _, ev := range events {
		if ev.Node != node || ev.Source != detect.SourceMachine || ev.Time.Before(armed) {
			continue
		}
		switch ev.Kind {
		case detect.KindKill:
			killed = killed || sigkill(ev.Detail)
		case detect.KindDie:
			c, err := strconv.Atoi(strings.TrimPrefix(ev.Detail, "exitCode="))
			code, died = c, err == nil && strings.HasPrefix(ev.Detail, "exitCode=")
		case detect.KindStart, detect.KindRestart:
			killed, died = false, false
		}
	}
	return code, killed && died
}

// sigkill reports whether a machine kill event's detail names SIGKILL.
func sigkill(detail string) bool {
	return detail == "signal=9" || detail == "signal=SIGKILL" || detail == "signal=KILL"
}

// silent reports whether the detector's last probe round of n failed.
func (e *Engine) silent(n deploy.Node) bool {
	st, ok := e.det.Status(n.Name())
	return ok && !st.Reachable
}

// knownDead reports whether n's process is known to be gone, not merely
// silent (a frozen or cut-off node is silent too, and may come back and
// take writes). Auto mode asks Docker: not running and not paused. Probe
// mode asks the probe: n refused or closed a connection since it last
// answered (its last round, at most one round old, failed too).
func (e *Engine) knownDead(ctx context.Context, n deploy.Node) bool {
	if !e.probeOnly() {
		running, _ := n.Running(ctx)
		paused, _ := n.Paused(ctx)
		return !running && !paused
	}
	st, ok := e.det.Status(n.Name())
	return ok && st.Refused && !st.Reachable
}

// awaitOutcomeProbe is awaitOutcome in probe mode. It follows the probe's
// view of n (see detect.NodeStatus) until:
//   - n answers: serving;
//   - n does not answer and its log since the last start has a refusal
//     line: refused (the log says why it exited);
//   - its process was seen gone (a refused or closed connection) and it
//     has not answered for restartGrace since the wait began: down;
//   - it was only ever silent and the probe judged it down by the detect
//     window: silent — it may be frozen or cut off, not known dead;
//   - it answered only LOADING for outcomeTimeout: down.
func (e *Engine) awaitOutcomeProbe(ctx context.Context, n deploy.Node) (nodeState, string) {
	start := time.Now()
	for {
		st, _ := e.det.Status(n.Name())
		now := time.Now()
		switch {
		case st.Reachable && pingQuick(ctx, n):
			return nodeServing, ""
		case st.Reachable || st.Loading:
			// up, not serving yet: neither gone nor silent
		default:
			if logs, err := n.Logs(ctx); err == nil {
				if line := RefusalLine(lastStart(logs)); line != "" {
					return nodeRefused, line
				}
			}
			if state, detail, ok := notAnswering(st, now.Sub(start), e.det.DownAfter()); ok {
				return state, detail
			}
		}
		if now.Sub(start) >= outcomeTimeout {
			return nodeDown, "no answer"
		}
		select {
		case <-ctx.Done():
			return nodeDown, "no answer"
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// notAnswering decides on a node that neither answers nor logged a refusal,
// from the probe's status and how long the engine has waited on it: down
// once its process was seen gone and restartGrace has passed, silent once
// the probe judged it down by the detect window without a refusal; ok is
// false while undecided.
func notAnswering(st detect.NodeStatus, waited, window time.Duration) (state nodeState, detail string, ok bool) {
	switch {
	case st.Reachable || st.Loading:
		return 0, "", false
	case st.Refused && waited >= restartGrace:
		return nodeDown, fmt.Sprintf("process gone, no answer for %s", waited.Round(time.Millisecond)), true
	case st.Down && !st.Refused:
		return nodeSilent, fmt.Sprintf("silent since %s (detect window %s)", st.FailingSince.Format("15:04:05.000"), window), true
	}
	return 0, "", false
}
