package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/remote"
)

// Connection timeouts. readTimeout is Redis's default repl-timeout: the
// primary pings its replicas every 10 s (repl-ping-replica-period) and
// sends newlines while it prepares a full sync, so a silent minute is a
// dead link.
const (
	dialTimeout  = 10 * time.Second
	readTimeout  = 60 * time.Second
	writeTimeout = 10 * time.Second
	eofMarkLen   = 40 // length of the diskless end mark ("$EOF:<mark>")
	maxReplyLine = 64 << 10
)

// refusedError is an error reply of the node to a replication command: it
// may accept later (-LOADING, -NOMASTERLINK, ...).
type refusedError struct {
	cmd, reply string
}

func (e *refusedError) Error() string { return fmt.Sprintf("%s refused: %s", e.cmd, e.reply) }

// replConn is a connection to a node speaking the replication protocol.
type replConn struct {
	addr    string
	conn    net.Conn
	br      *bufio.Reader
	stop    func() bool   // unregisters the context watch
	timeout time.Duration // read deadline, renewed before every read
}

// timeoutReader renews the read deadline before every read.
type timeoutReader struct{ c *replConn }

func (t timeoutReader) Read(p []byte) (int, error) {
	_ = t.c.conn.SetReadDeadline(time.Now().Add(t.c.timeout))
	return t.c.conn.Read(p)
}

// dialNode connects to addr (TLS when node.TLS is set), closes the
// connection when ctx ends and authenticates when a password is given.
// Every read gives up after timeout.
func dialNode(ctx context.Context, addr string, node backup.NodeOptions, timeout time.Duration) (*replConn, error) {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := remote.Dialer(node.Dial, node.TLS)(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c := &replConn{addr: addr, conn: conn, timeout: timeout}
	c.br = bufio.NewReaderSize(timeoutReader{c}, 256<<10)
	c.stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
	if args := backup.AuthArgs(node); args != nil {
		reply, err := c.command(args...)
		if err != nil {
			c.close()
			return nil, err
		}
		if reply != "+OK" {
			c.close()
			return nil, fmt.Errorf("auth on %s: %s", addr, strings.TrimPrefix(reply, "-"))
		}
	}
	return c, nil
}

// close closes the connection.
func (c *replConn) close() {
	c.stop()
	_ = c.conn.Close()
}

// write sends b within writeTimeout.
func (c *replConn) write(b []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := c.conn.Write(b)
	return err
}

// encode renders a command in RESP.
func encode(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// command sends one command and returns its one-line reply, skipping the
// bare newlines a primary sends as keep-alives.
func (c *replConn) command(args ...string) (string, error) {
	if err := c.write(encode(args...)); err != nil {
		return "", fmt.Errorf("send %s to %s: %w", args[0], c.addr, err)
	}
	line, err := c.line()
	if err != nil {
		return "", fmt.Errorf("read reply to %s from %s: %w", args[0], c.addr, err)
	}
	return line, nil
}

// line reads the next non-empty line, without its line end.
func (c *replConn) line() (string, error) {
	for {
		b, err := c.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(b) > maxReplyLine {
			return "", fmt.Errorf("reply line longer than %d bytes", maxReplyLine)
		}
		if err != nil {
			return "", err
		}
		if s := strings.TrimRight(string(b), "\r\n"); s != "" {
			return s, nil
		}
	}
}

// handshake announces the listening port (when not 0) and the
// capabilities: eof (diskless payloads) and psync2 (+CONTINUE <replid>).
// As a Redis replica does, it goes on when the node refuses either.
func (c *replConn) handshake(listeningPort int) error {
	if listeningPort > 0 {
		if err := c.replconf("listening-port", strconv.Itoa(listeningPort)); err != nil {
			return err
		}
	}
	return c.replconf("capa", "eof", "capa", "psync2")
}

// replconf sends REPLCONF args; only an authentication refusal is an
// error.
func (c *replConn) replconf(args ...string) error {
	reply, err := c.command(append([]string{"REPLCONF"}, args...)...)
	if err != nil {
		return err
	}
	if authRefusal(reply) {
		return fmt.Errorf("replconf on %s: %s", c.addr, reply[1:])
	}
	return nil
}

// authRefusal reports an error reply that retrying will not cure: no or
// wrong credentials, or an ACL user without the permission to replicate.
func authRefusal(reply string) bool {
	for _, p := range []string{"-NOAUTH", "-WRONGPASS", "-NOPERM"} {
		if strings.HasPrefix(reply, p) {
			return true
		}
	}
	return false
}

// psyncReply is the node's answer to PSYNC.
type psyncReply struct {
	full   bool   // +FULLRESYNC: an RDB payload follows
	replid string // replication id (empty on a bare +CONTINUE)
	offset int64  // offset of the RDB (+FULLRESYNC only)
}

// psync sends PSYNC replid offset ("?" and -1 to ask for a full sync).
func (c *replConn) psync(replid string, offset int64) (psyncReply, error) {
	line, err := c.command("PSYNC", replid, strconv.FormatInt(offset, 10))
	if err != nil {
		return psyncReply{}, err
	}
	switch {
	case strings.HasPrefix(line, "+FULLRESYNC"):
		f := strings.Fields(line)
		if len(f) != 3 || len(f[1]) != 40 {
			return psyncReply{}, fmt.Errorf("psync on %s: malformed reply %q", c.addr, line)
		}
		off, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || off < 0 {
			return psyncReply{}, fmt.Errorf("psync on %s: malformed offset in %q", c.addr, line)
		}
		return psyncReply{full: true, replid: f[1], offset: off}, nil
	case strings.HasPrefix(line, "+CONTINUE"):
		f := strings.Fields(line)
		r := psyncReply{}
		if len(f) == 2 && len(f[1]) == 40 {
			r.replid = f[1]
		}
		return r, nil
	case authRefusal(line):
		return psyncReply{}, fmt.Errorf("psync on %s: %s", c.addr, line[1:])
	case strings.HasPrefix(line, "-"):
		return psyncReply{}, &refusedError{cmd: "PSYNC", reply: line[1:]}
	}
	return psyncReply{}, fmt.Errorf("psync on %s: unexpected reply %q", c.addr, line)
}

// payload returns the RDB that follows +FULLRESYNC: a length-limited
// reader for "$<len>", or an end-mark reader for the diskless
// "$EOF:<mark>" (diskless true). Neither reads past the payload: the
// command stream follows on the same reader.
func (c *replConn) payload() (r io.Reader, diskless bool, err error) {
	line, err := c.line()
	if err != nil {
		return nil, false, fmt.Errorf("read rdb payload header from %s: %w", c.addr, err)
	}
	if strings.HasPrefix(line, "-") {
		return nil, false, &refusedError{cmd: "full sync", reply: line[1:]}
	}
	if !strings.HasPrefix(line, "$") {
		return nil, false, fmt.Errorf("read rdb payload header from %s: unexpected %q", c.addr, line)
	}
	if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
		if len(mark) != eofMarkLen {
			return nil, false, fmt.Errorf("read rdb payload header from %s: end mark of %d bytes", c.addr, len(mark))
		}
		return &markReader{br: c.br, mark: []byte(mark)}, true, nil
	}
	n, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || n < 0 {
		return nil, false, fmt.Errorf("read rdb payload header from %s: bad length %q", c.addr, line)
	}
	return backup.PayloadReader(c.br, n), false, nil
}

// ack sends REPLCONF ACK offset.
func (c *replConn) ack(offset int64) error {
	if err := c.write(encode("REPLCONF", "ACK", strconv.FormatInt(offset, 10))); err != nil {
		return fmt.Errorf("send ack to %s: %w", c.addr, err)
	}
	return nil
}

// markReader returns the bytes of br up to mark, which it consumes, and
// nothing after it: it only looks at buffered bytes (Peek) and never
// consumes past the mark, so whatever follows stays in br.
type markReader struct {
	br   *bufio.Reader
	mark []byte
	done bool
}

func (m *markReader) Read(p []byte) (int, error) {
	if m.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := m.br.Peek(len(m.mark)); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("rdb payload ended before its end mark: %w", io.ErrUnexpectedEOF)
		}
		return 0, err
	}
	buf, _ := m.br.Peek(m.br.Buffered())
	if len(buf) > len(p)+len(m.mark)-1 {
		buf = buf[:len(p)+len(m.mark)-1]
	}
	if i := bytes.Index(buf, m.mark); i >= 0 {
		if i == 0 {
			_, _ = m.br.Discard(len(m.mark))
			m.done = true
			return 0, io.EOF
		}
		n := copy(p, buf[:i])
		_, _ = m.br.Discard(n)
		return n, nil
	}
	n := copy(p, buf[:len(buf)-len(m.mark)+1])
	_, _ = m.br.Discard(n)
	return n, nil
}

// infoOffset asks the node for INFO replication and returns its
// master_repl_offset.
func (c *replConn) infoOffset() (int64, error) {
	if err := c.write(encode("INFO", "replication")); err != nil {
		return 0, fmt.Errorf("send INFO to %s: %w", c.addr, err)
	}
	head, err := c.line()
	if err != nil {
		return 0, fmt.Errorf("read INFO from %s: %w", c.addr, err)
	}
	if !strings.HasPrefix(head, "$") {
		return 0, fmt.Errorf("read INFO from %s: unexpected %q", c.addr, head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("read INFO from %s: bad length %q", c.addr, head)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(c.br, body); err != nil {
		return 0, fmt.Errorf("read INFO from %s: %w", c.addr, err)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "master_repl_offset:"); ok {
			off, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read INFO from %s: master_repl_offset %q", c.addr, v)
			}
			return off, nil
		}
	}
	return 0, fmt.Errorf("read INFO from %s: no master_repl_offset", c.addr)
}
