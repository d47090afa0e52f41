package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Outcome is what the client knows about one write (Jepsen's ok / fail / info).
type Outcome string

// The three outcomes of an op.
const (
	// OK: the write was acknowledged (and, with WaitReplicas > 0, WAIT
	// confirmed at least that many replicas).
	OK Outcome = "ok"
	// Fail: the write was definitely not applied (the server refused it with an
	// error reply, or no connection was ever made).
	Fail Outcome = "fail"
	// Unknown: the request may or may not have been applied (timeout or
	// connection lost after sending, or applied on the primary but WAIT
	// confirmed fewer replicas than asked).
	Unknown Outcome = "unknown"
)

// Valid reports whether o is one of the three outcomes.
func (o Outcome) Valid() bool { return o == OK || o == Fail || o == Unknown }

// Classify maps the error of a single write attempt to its outcome:
//
//   - nil → OK.
//   - an error reply from Redis (MOVED, ASK, CLUSTERDOWN, MISCONF, READONLY,
//     LOADING, NOREPLICAS, OOM, TRYAGAIN, …) → Fail: Redis rejects a SET
//     before executing it, so an error reply means it was not applied.
//   - no connection was obtained (dial error, connection refused, pool
//     timeout / exhausted, client closed, cluster has no nodes) → Fail:
//     nothing was sent.
//   - anything else (read/write timeout, context deadline or cancellation,
//     io.EOF, connection reset, broken pipe) → Unknown: the command may have
//     reached the server.
func Classify(err error) Outcome {
	if err == nil {
		return OK
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return Fail
	}
	if notSent(err) {
		return Fail
	}
	return Unknown
}

// notSent reports errors raised before any byte of the command was written.
func notSent(err error) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		return true
	}
	if errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, redis.ErrPoolExhausted) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return strings.HasPrefix(err.Error(), "redis: cluster has no nodes")
}

// ErrorKind returns a short label for an error, for reports: the Redis error
// prefix (e.g. "MISCONF", "CLUSTERDOWN"), or one of "dial", "pool", "closed",
// "timeout", "canceled", "eof", "reset", "pipe", "net", "other". nil gives "".
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := strings.TrimPrefix(rerr.Error(), "ERR ")
		if i := strings.IndexByte(msg, ' '); i > 0 {
			msg = msg[:i]
		}
		if msg == strings.ToUpper(msg) && msg != "" {
			return msg
		}
		return "ERR"
	}
	var op *net.OpError
	switch {
	case errors.Is(err, redis.ErrClosed):
		return "closed"
	case errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return "pool"
	case errors.As(err, &op) && op.Op == "dial", errors.Is(err, syscall.ECONNREFUSED):
		return "dial"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EPIPE):
		return "pipe"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "net"
	}
	return "other"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ParseOutcome parses "ok", "fail" or "unknown".
func ParseOutcome(s string) (Outcome, error) {
	o := Outcome(s)
	if !o.Valid() {
		return "", fmt.Errorf("parse outcome: %q is not ok, fail or unknown", s)
	}
	return o, nil
}

// notSentError wraps an error raised before the command could be sent (for
// example while routing a key to its node).
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }
