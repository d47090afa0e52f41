package detect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultDownAfter is the detect window W: a node that answers nothing
// (every probe round times out or cannot reach it) is judged down once its
// failed rounds cover W, from the start of the first to the end of the last.
//
// Why 1.5 s. A round fails on a stall only if it began no later than the
// stall's end minus the 300 ms round timeout, so a 1 s stall (a fork, a
// slow command, a short freeze) covers at most about 1 s of failed rounds:
// 0.5 s of margin for scheduling noise, and it never triggers action. It is
// less than a third of the 5 s node-timeout the drills use (a tenth of
// Redis's default 15 s): the engine still acts long before Redis's own
// failover, which waits node-timeout and then an election.
const DefaultDownAfter = 1500 * time.Millisecond

// Failure says how one probe round ended.
type Failure int

// Failures of a probe round.
const (
	// Answered: the node replied to PING and INFO.
	Answered Failure = iota
	// Refused: the node's host answered that nothing serves there — the
	// connection was refused, reset or closed by the node, or Redis replied
	// LOADING (restarted, not serving yet). A crashed or stopped process
	// looks like this; a frozen or cut-off one never does.
	Refused
	// Silent: nothing answered in time — the round timed out, the host was
	// unreachable, or Redis replied with another error (e.g. BUSY): a stall
	// until it lasts the window.
	Silent
)

// String names the failure.
func (f Failure) String() string {
	switch f {
	case Answered:
		return "answered"
	case Refused:
		return "refused"
	case Silent:
		return "silent"
	}
	return fmt.Sprintf("failure(%d)", int(f))
}

// errConnClosed is what the probe's one-connection client returns when the
// node closed the connection it had (the process died or restarted).
var errConnClosed = errors.New("connection closed by the node (node down or restarted)")

// Classify says how a probe round with this error ended (nil: Answered).
func Classify(err error) Failure {
	if err == nil {
		return Answered
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Silent
	case errors.Is(err, errConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Refused
	}
	if loadingReply(err) {
		return Refused
	}
	return Silent
}

// loadingReply reports whether err is Redis's LOADING reply: the process
// is up and loading its data, not serving yet.
func loadingReply(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && strings.HasPrefix(reply.Error(), "LOADING")
}

// Round is one probe round of one node.
type Round struct {
	Start   time.Time
	End     time.Time
	Failure Failure
}

// Down is the window rule. Given the probe rounds of one node in order, it
// looks at those after the last answered one (the current failure run): the
// node is down at once if one of them was refused, and otherwise once they
// cover w, from the start of the first to the end of the last. With w = 0
// any failed round is down.
func Down(rounds []Round, w time.Duration) bool {
	run := rounds
	for i := len(rounds) - 1; i >= 0; i-- {
		if rounds[i].Failure == Answered {
			run = rounds[i+1:]
			break
		}
	}
	if len(run) == 0 {
		return false
	}
	for _, r := range run {
		if r.Failure == Refused {
			return true
		}
	}
	return covered(run) >= w
}

// covered is the time from the start of the first round to the end of the
// last one.
func covered(run []Round) time.Duration {
	if len(run) == 0 {
		return 0
	}
	end := run[len(run)-1].End
	if end.IsZero() {
		end = run[len(run)-1].Start
	}
	return end.Sub(run[0].Start)
}

// failureRun is the current run of failed rounds of one node, kept to what
// Down needs: the first round, the first refusal and the last round.
type failureRun struct {
	rounds  int
	first   Round
	last    Round
	refusal *Round
}

func (r *failureRun) add(x Round) {
	if r.rounds == 0 {
		r.first = x
	}
	if x.Failure == Refused && r.refusal == nil {
		c := x
		r.refusal = &c
	}
	r.last = x
	r.rounds++
}

func (r *failureRun) reset() { *r = failureRun{} }

// compact returns the rounds Down needs, in order.
func (r *failureRun) compact() []Round {
	switch {
	case r.rounds == 0:
		return nil
	case r.rounds == 1:
		return []Round{r.first}
	case r.refusal != nil:
		return []Round{r.first, *r.refusal, r.last}
	}
	return []Round{r.first, r.last}
}

// describe says why the run is (or is not yet) down, for event details.
func (r *failureRun) describe(w time.Duration) string {
	if r.refusal != nil {
		return "refused"
	}
	return fmt.Sprintf("silent for %s (down window %s)", covered(r.compact()).Round(time.Millisecond), w)
}
