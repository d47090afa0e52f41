package detect

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

// rounds builds probe rounds from a start time: each entry is a failure and
// the round's length; rounds follow each other with a 50 ms gap.
func rounds(t0 time.Time, spec ...any) []Round {
	var out []Round
	at := t0
	for i := 0; i < len(spec); i += 2 {
		f, d := spec[i].(Failure), spec[i+1].(time.Duration)
		out = append(out, Round{Start: at, End: at.Add(d), Failure: f})
		at = at.Add(d + 50*time.Millisecond)
	}
	return out
}

func TestDownWindowRule(t *testing.T) {
	const w = DefaultDownAfter
	t0 := time.Unix(1000, 0)
	to := 300 * time.Millisecond
	ok := 2 * time.Millisecond
	cases := []struct {
		name   string
		rounds []Round
		want   bool
	}{
		{"no rounds", nil, false},
		{"answering", rounds(t0, Answered, ok, Answered, ok), false},
		{"one timeout", rounds(t0, Answered, ok, Silent, to), false},
		// a 1 s stall: rounds that begin within it time out; at most ~1 s covered
		{"1 s of timeouts", rounds(t0, Silent, to, Silent, to, Silent, to), false},
		{"1 s of timeouts, then an answer", rounds(t0, Silent, to, Silent, to, Silent, to, Answered, ok), false},
		{"W of timeouts", rounds(t0, Silent, to, Silent, to, Silent, to, Silent, to, Silent, to), true},
		{"W of timeouts, then an answer", rounds(t0, Silent, to, Silent, to, Silent, to, Silent, to, Silent, to, Answered, ok), false},
		{"timeouts before an answer do not add up", rounds(t0, Silent, to, Silent, to, Silent, to, Answered, ok, Silent, to, Silent, to), false},
		{"refused at once", rounds(t0, Answered, ok, Refused, ok), true},
		{"refused, then timeouts (a killed container's address vanishes)", rounds(t0, Refused, ok, Silent, to), true},
		{"refused after timeouts", rounds(t0, Silent, to, Refused, ok), true},
		{"refused, then an answer", rounds(t0, Refused, ok, Answered, ok), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Down(c.rounds, w); got != c.want {
				t.Fatalf("Down(%s, %v) = %v, want %v (covered %v)", describeRounds(c.rounds, t0), w, got, c.want, covered(c.rounds))
			}
		})
	}
}

func TestDownZeroWindowIsAnyFailure(t *testing.T) {
	if !Down(rounds(time.Unix(0, 0), Silent, time.Millisecond), 0) {
		t.Fatal("with w = 0 one failed round must be down")
	}
}

func TestFailureRunCompactKeepsTheVerdict(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, spec := range [][]any{
		{Silent, 300 * time.Millisecond, Silent, 300 * time.Millisecond},
		{Silent, 300 * time.Millisecond, Silent, 300 * time.Millisecond, Silent, 300 * time.Millisecond, Silent, 300 * time.Millisecond, Silent, 300 * time.Millisecond},
		{Silent, 300 * time.Millisecond, Refused, time.Millisecond, Silent, 300 * time.Millisecond},
	} {
		rs := rounds(t0, spec...)
		var run failureRun
		for _, r := range rs {
			run.add(r)
		}
		if got, want := Down(run.compact(), DefaultDownAfter), Down(rs, DefaultDownAfter); got != want {
			t.Fatalf("%s: compact run says %v, full run %v", describeRounds(rs, t0), got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	unreach := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	cases := []struct {
		err  error
		want Failure
	}{
		{nil, Answered},
		{fmt.Errorf("dial x: %w", refused), Refused},
		{fmt.Errorf("ping: %w", io.EOF), Refused},
		{fmt.Errorf("ping: %w", syscall.ECONNRESET), Refused},
		{fmt.Errorf("dial again: %w", errConnClosed), Refused},
		{fmt.Errorf("dial again: %w", errConnLost), Silent},
		{fmt.Errorf("ping: %w", context.DeadlineExceeded), Silent},
		{fmt.Errorf("dial x: %w", unreach), Silent},
		{errors.New("something else"), Silent},
		{fmt.Errorf("ping: %w", redis.ErrClosed), Silent},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func describeRounds(rs []Round, t0 time.Time) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("[%v %v..%v]", r.Failure, r.Start.Sub(t0), r.End.Sub(t0))
	}
	return s
}
