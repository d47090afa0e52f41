package backup

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

	"github.com/redisdrill/redisdrill/recovery/remote"
)

// eofMarkLen is the length of the diskless-sync end mark ("$EOF:<mark>").
const eofMarkLen = 40

// replConn is a connection speaking just enough of the replication
// protocol to receive one RDB.
type replConn struct {
	conn net.Conn
	br   *bufio.Reader
}

// command sends one command in RESP and returns the single-line reply.
func (c *replConn) command(args ...string) (string, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		return "", fmt.Errorf("send %s: %w", args[0], err)
	}
	line, err := c.br.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read reply to %s: %w", args[0], err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// startSync sends SYNC and returns the payload reader: a length-limited
// reader for "$<len>", or an end-mark reader for the diskless "$EOF:<mark>".
func (c *replConn) startSync() (io.Reader, error) {
	if _, err := c.conn.Write([]byte("SYNC\r\n")); err != nil {
		return nil, fmt.Errorf("send SYNC: %w", err)
	}
	for {
		// The primary sends bare newlines as keep-alives while it prepares.
		line, err := c.br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read SYNC reply: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		if line[0] == '-' {
			return nil, fmt.Errorf("SYNC refused: %s", line[1:])
		}
		if line[0] != '$' {
			return nil, fmt.Errorf("SYNC: unexpected reply %q", line)
		}
		if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
			if len(mark) != eofMarkLen {
				return nil, fmt.Errorf("SYNC: end mark of %d bytes", len(mark))
			}
			return &markReader{r: c.br, mark: []byte(mark)}, nil
		}
		n, err := strconv.ParseInt(line[1:], 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("SYNC: bad payload length %q", line)
		}
		return PayloadReader(c.br, n), nil
	}
}

// PayloadReader reads the n bytes of an RDB payload sent as "$<n>" from r,
// and reports a stream that ends before them as io.ErrUnexpectedEOF.
func PayloadReader(r io.Reader, n int64) io.Reader {
	return &exactReader{r: io.LimitReader(r, n), left: n}
}

// exactReader is a LimitReader that reports a short stream as an error.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, fmt.Errorf("rdb payload ended %d bytes early: %w", e.left, io.ErrUnexpectedEOF)
	}
	return n, err
}

// markReader passes bytes through until the stream ends with mark; the mark
// itself is not returned. It reuses one buffer.
type markReader struct {
	r     io.Reader
	mark  []byte
	buf   []byte // buf[start:] is read but not yet returned
	start int
	done  bool
}

const markReadSize = 256 << 10

func (m *markReader) Read(p []byte) (int, error) {
	for {
		pending := m.buf[m.start:]
		if m.done {
			if len(pending) == 0 {
				return 0, io.EOF
			}
			n := copy(p, pending)
			m.start += n
			return n, nil
		}
		if avail := len(pending) - len(m.mark); avail > 0 {
			n := copy(p, pending[:avail])
			m.start += n
			return n, nil
		}
		if m.buf == nil {
			m.buf = make([]byte, 0, markReadSize+len(m.mark))
		}
		kept := copy(m.buf[:cap(m.buf)], pending) // at most len(mark) bytes
		m.buf, m.start = m.buf[:kept], 0
		n, err := m.r.Read(m.buf[kept:cap(m.buf)])
		m.buf = m.buf[:kept+n]
		if len(m.buf) >= len(m.mark) && bytes.Equal(m.buf[len(m.buf)-len(m.mark):], m.mark) {
			m.buf = m.buf[:len(m.buf)-len(m.mark)]
			m.done = true
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("rdb payload ended before its end mark: %w", io.ErrUnexpectedEOF)
			}
			return 0, err
		}
	}
}

// AuthArgs is the AUTH command opts call for: AUTH [user] password, nil
// without a password.
func AuthArgs(opts NodeOptions) []string {
	switch {
	case opts.Password == "":
		return nil
	case opts.Username != "":
		return []string{"AUTH", opts.Username, opts.Password}
	default:
		return []string{"AUTH", opts.Password}
	}
}

// dialRepl connects (over TLS when opts.TLS is set), authenticates and
// announces an RDB-only sync.
func dialRepl(ctx context.Context, addr string, opts NodeOptions) (*replConn, error) {
	conn, err := remote.Dialer(opts.Dial, opts.TLS)(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c := &replConn{conn: conn, br: bufio.NewReaderSize(conn, 256<<10)}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Time{})
	}
	if args := AuthArgs(opts); args != nil {
		reply, err := c.command(args...)
		if err != nil {
			conn.Close()
			return nil, err
		}
		if reply != "+OK" {
			conn.Close()
			return nil, fmt.Errorf("auth on %s: %s", addr, reply)
		}
	}
	// Tell the primary not to keep us as a replica after the RDB (Redis ≥
	// 7.0); older servers refuse the option, which only costs a lingering
	// replica link, so an error reply is tolerated as redis-cli does.
	if _, err := c.command("REPLCONF", "rdb-only", "1"); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}
