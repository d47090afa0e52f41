package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// replyErr is a Redis error reply as go-redis surfaces it (a type with a
// RedisError method).
type replyErr string

func (e replyErr) Error() string { return string(e) }
func (replyErr) RedisError()     {}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	dialRefused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}
	readTimeout := &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	pipe := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	cases := []struct {
		err  error
		want Outcome
		kind string
	}{
		{nil, OK, ""},
		{replyErr("MOVED 3999 10.0.0.2:6379"), Fail, "MOVED"},
		{replyErr("ASK 3999 10.0.0.2:6379"), Fail, "ASK"},
		{replyErr("CLUSTERDOWN The cluster is down"), Fail, "CLUSTERDOWN"},
		{replyErr("MISCONF Redis is configured to save RDB snapshots"), Fail, "MISCONF"},
		{replyErr("READONLY You can't write against a read only replica."), Fail, "READONLY"},
		{replyErr("LOADING Redis is loading the dataset in memory"), Fail, "LOADING"},
		{replyErr("NOREPLICAS Not enough good replicas to write."), Fail, "NOREPLICAS"},
		{replyErr("ERR max number of clients reached"), Fail, "ERR"},
		{fmt.Errorf("wrapped: %w", replyErr("TRYAGAIN Multiple keys")), Fail, "TRYAGAIN"},
		{dialRefused, Fail, "dial"},
		{dialTimeout, Fail, "dial"},
		{redis.ErrPoolTimeout, Fail, "pool"},
		{redis.ErrClosed, Fail, "closed"},
		{&notSentError{errors.New("route key: boom")}, Fail, "other"},
		{readTimeout, Unknown, "timeout"},
		{context.DeadlineExceeded, Unknown, "timeout"},
		{context.Canceled, Unknown, "canceled"},
		{io.EOF, Unknown, "eof"},
		{io.ErrUnexpectedEOF, Unknown, "eof"},
		{reset, Unknown, "reset"},
		{pipe, Unknown, "pipe"},
		{errors.New("something odd"), Unknown, "other"},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %s, want %s", c.err, got, c.want)
		}
		if got := ErrorKind(c.err); got != c.kind {
			t.Errorf("ErrorKind(%v) = %q, want %q", c.err, got, c.kind)
		}
	}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name                       string
		wait, replicas             int
		setErr, waitErr, ambiguous error
		want                       Outcome
	}{
		{"acked", 0, -1, nil, nil, nil, OK},
		{"acked after ambiguous retry", 0, -1, nil, nil, io.EOF, OK},
		{"refused", 0, -1, replyErr("CLUSTERDOWN x"), nil, nil, Fail},
		{"refused after ambiguous attempt", 0, -1, replyErr("CLUSTERDOWN x"), nil, io.EOF, Unknown},
		{"timeout", 0, -1, context.DeadlineExceeded, nil, nil, Unknown},
		{"wait satisfied", 1, 1, nil, nil, nil, OK},
		{"wait more than asked", 1, 2, nil, nil, nil, OK},
		{"wait short", 2, 1, nil, nil, nil, Unknown},
		{"wait error", 1, -1, nil, io.EOF, nil, Unknown},
	}
	for _, c := range cases {
		op := Op{Replicas: c.replicas, Complete: time.Now()}
		decide(&op, c.wait, c.setErr, c.waitErr, c.ambiguous)
		if op.Outcome != c.want {
			t.Errorf("%s: outcome %s, want %s (err %q)", c.name, op.Outcome, c.want, op.Err)
		}
		if op.Outcome != OK && op.Err == "" {
			t.Errorf("%s: non-ok op without error text", c.name)
		}
	}
}

func TestParseOutcome(t *testing.T) {
	for _, s := range []string{"ok", "fail", "unknown"} {
		if o, err := ParseOutcome(s); err != nil || string(o) != s {
			t.Errorf("ParseOutcome(%q) = %q, %v", s, o, err)
		}
	}
	if _, err := ParseOutcome("info"); err == nil {
		t.Error("ParseOutcome(info) must fail")
	}
}
