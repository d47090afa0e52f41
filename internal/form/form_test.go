package form

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fakeMember is a Member at an address the test sets.
type fakeMember struct{ name, ip string }

func (m *fakeMember) Name() string { return m.name }
func (m *fakeMember) IP() string   { return m.ip }
func (m *fakeMember) Addr() string { return net.JoinHostPort(m.ip, "6379") }
func (m *fakeMember) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: m.Addr()})
}

func TestTransportError(t *testing.T) {
	var te transportError
	if err := Transport(io.EOF); !errors.As(err, &te) || !errors.Is(err, io.EOF) {
		t.Errorf("a connection error is not marked: %v", err)
	}
	if !errors.As(Transport(redis.ErrClosed), &te) { // not a server reply either
		t.Error("a closed client is not marked")
	}
	if Transport(nil) != nil {
		t.Error("nil is marked")
	}
}

func TestEachEvictsOnTransportError(t *testing.T) {
	a, b := &fakeMember{name: "a", ip: "10.0.0.1"}, &fakeMember{name: "b", ip: "10.0.0.2"}
	cc := NewClients()
	defer cc.Close()
	ca, cb := cc.Client(a), cc.Client(b)
	err := Each(cc, []*fakeMember{a, b}, func(i int, m *fakeMember) error {
		if m == a {
			return errors.New("a reply of the server")
		}
		return Transport(io.EOF)
	})
	if err == nil || !strings.Contains(err.Error(), "reply") {
		t.Fatalf("err = %v, want the first member's", err)
	}
	if cc.Client(a) != ca {
		t.Error("a member that answered lost its client")
	}
	if cc.Client(b) == cb {
		t.Error("a member whose connection failed kept its client")
	}
}

func TestWaiterReportsFailure(t *testing.T) {
	down := errors.New("refused")
	checks := 0
	w := Waiter{
		Probe:    func(context.Context) error { return down },
		Interval: time.Millisecond,
		Failed: func(context.Context) (int, bool) {
			checks++
			return 3, checks == 2
		},
	}
	err := w.Wait(context.Background(), "n0")
	if err == nil || !strings.Contains(err.Error(), "exited with code 3") || checks != 2 {
		t.Fatalf("err = %v after %d checks, want the exit at the second", err, checks)
	}
	// CheckEvery spaces the checks: none within a short wait.
	checks = 0
	w.CheckEvery = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.Wait(ctx, "n0"); !errors.Is(err, context.DeadlineExceeded) || checks != 0 {
		t.Fatalf("err = %v after %d checks, want the deadline and none", err, checks)
	}
	ok := 0
	w.Probe = func(context.Context) error {
		if ok++; ok < 3 {
			return down
		}
		return nil
	}
	if err := w.Wait(context.Background(), "n0"); err != nil {
		t.Fatalf("a server that answers at the third probe: %v", err)
	}
}
