package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bounds of waitListening: how long one probe may take and how often the
// node is probed, and how often the container is checked for an exit.
const (
	listenProbeTimeout = 500 * time.Millisecond
	listenPollInterval = 10 * time.Millisecond
	listenExitCheck    = 250 * time.Millisecond
)

// waitListening waits until redis-server in the node answers a RESP PING
// on a raw connection, or ctx ends. Any reply counts (+PONG, or -NOAUTH on
// a node with a password) except -LOADING. A raw probe is used because
// go-redis stops dialling a pool for a second after a few failed dials,
// which would delay a node that comes up right after them; and where
// published ports are dialled, the port accepts connections before the
// server does, so a successful dial alone proves nothing. It reports the
// node's exit if the container stops meanwhile.
func (n *Node) waitListening(ctx context.Context) error {
	addr := n.Addr()
	checked := time.Now()
	for {
		err := n.rawPing(ctx, addr)
		if err == nil {
			return nil
		}
		if time.Since(checked) >= listenExitCheck {
			checked = time.Now()
			if code, exited, ierr := n.Exited(ctx); ierr == nil && exited {
				return fmt.Errorf("wait for node %s: redis-server exited with code %d", n.Name(), code)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s: %w (last error: %v)", n.Name(), ctx.Err(), err)
		case <-time.After(listenPollInterval):
		}
	}
}

// rawPing sends one PING to addr through the node's dialer and reads the
// first reply line.
func (n *Node) rawPing(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, listenProbeTimeout)
	defer cancel()
	conn, err := n.dialer.DialContext(ctx, "tcp", addr)
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
