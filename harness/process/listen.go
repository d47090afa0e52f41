package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Bounds of waitListening: how long one probe may take and how often the
// node is probed.
const (
	listenProbeTimeout = 500 * time.Millisecond
	listenPollInterval = 5 * time.Millisecond
)

// waitListening waits until the node's server answers a RESP PING on a
// raw connection, or ctx ends. Any reply counts (+PONG, or -NOAUTH with a
// password) except -LOADING. A raw probe is used because go-redis stops
// dialling a pool for a while after a few failed dials, which would delay
// a node that comes up right after them. It reports the server's exit if
// it exits meanwhile.
func (n *Node) waitListening(ctx context.Context) error {
	for {
		err := rawPing(ctx, n.Addr())
		if err == nil {
			return nil
		}
		if code, failed := n.serverFailed(); failed {
			return fmt.Errorf("wait for node %s: redis-server exited with code %d", n.Name(), code)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", n.Name(), ctx.Err(), err)
		case <-time.After(listenPollInterval):
		}
	}
}

// rawPing sends one PING to addr and reads the first reply line.
func rawPing(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, listenProbeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
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
