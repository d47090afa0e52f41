package form

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// ListenTimeout bounds the wait for a member's server to answer once its
// machine started (Former's Listen hook gets a context with it).
const ListenTimeout = 30 * time.Second

// rawPingTimeout bounds one RawPing.
const rawPingTimeout = 500 * time.Millisecond

// DialFunc dials an address, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Waiter waits until a member's server answers, probing it again and
// again, and gives up early when its machine says the server failed.
type Waiter struct {
	// Probe asks the server once; nil when it answered.
	Probe func(ctx context.Context) error
	// Interval is the pause after a failed probe.
	Interval time.Duration
	// CheckEvery is how often Failed is asked: 0 after every failed
	// probe, else no sooner than CheckEvery after the start and the last
	// check (for a check that costs, such as a Docker inspect).
	CheckEvery time.Duration
	// Failed reports whether the server exited for good, and its exit
	// code; nil never gives up early.
	Failed func(ctx context.Context) (code int, failed bool)
}

// Wait probes until the server of the member called name answers, its
// server failed, or ctx ends.
func (w Waiter) Wait(ctx context.Context, name string) error {
	checked := time.Now()
	for {
		err := w.Probe(ctx)
		if err == nil {
			return nil
		}
		if w.Failed != nil && time.Since(checked) >= w.CheckEvery {
			checked = time.Now()
			if code, failed := w.Failed(ctx); failed {
				return fmt.Errorf("wait for node %s: redis-server exited with code %d", name, code)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", name, ctx.Err(), err)
		case <-time.After(w.Interval):
		}
	}
}

// RawPing sends one RESP PING to addr on a connection of its own (dialled
// with dial; directly when nil) and reads the first reply line, within
// 500 ms. Any reply counts (+PONG, or -NOAUTH on a server with a
// password) except -LOADING. A raw probe is used because go-redis stops
// dialling a pool for a while after a few failed dials, which would delay
// a server that comes up right after them; and where a published port is
// dialled, it accepts connections before the server does, so a dial alone
// proves nothing.
func RawPing(ctx context.Context, dial DialFunc, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, rawPingTimeout)
	defer cancel()
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return fmt.Errorf("send ping: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read ping reply: %w", err)
	}
	switch {
	case strings.HasPrefix(line, "-LOADING"):
		return errors.New("node is loading its dataset")
	case strings.HasPrefix(line, "+"), strings.HasPrefix(line, "-"):
		return nil
	}
	return fmt.Errorf("unexpected ping reply %q", strings.TrimSpace(line))
}
