package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Parser limits. The primary's stream is exempt from proto-max-bulk-len,
// so the bulk bound only rejects nonsense; header lines ("*<n>\r\n",
// "$<n>\r\n") are short, annotations are at most 1024 bytes as in Redis
// (AOF_ANNOTATION_LINE_MAX_LEN).
const (
	maxArgs       = 1<<31 - 1
	maxBulk       = 1 << 40
	maxHeaderLine = 32
	maxAnnotation = 1024
	shrinkAbove   = 4 << 20 // release a parse buffer grown past this once it drains
)

// errTruncated marks input that ends inside a command.
var errTruncated = errors.New("input ends inside a command")

// cmdKind classifies a command by its name.
type cmdKind uint8

const (
	kindData       cmdKind = iota // archived verbatim
	kindPing                      // counted in the offset, not archived
	kindReplconf                  // counted in the offset, not archived
	kindSelect                    // data; changes the database
	kindMulti                     // data; opens a transaction
	kindExec                      // data; closes it
	kindDiscard                   // data; closes it (never in a stream, but in files)
	kindAnnotation                // an AOF "#..." line (files only)
)

// command is one whole command (or annotation line) of a stream or file.
// raw and arg1 point into the parser's buffer: they are valid until the
// next feed.
type command struct {
	raw  []byte
	kind cmdKind
	arg1 []byte // second argument of SELECT and REPLCONF, nil for others
}

// isGetAck reports whether c is REPLCONF GETACK.
func (c command) isGetAck() bool {
	return c.kind == kindReplconf && bytes.EqualFold(c.arg1, []byte("getack"))
}

// selectDB returns the database a SELECT switches to.
func (c command) selectDB() (int, bool) {
	if c.kind != kindSelect {
		return 0, false
	}
	n, err := strconv.Atoi(string(c.arg1))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// classify names a command by its first argument.
func classify(name []byte) cmdKind {
	switch {
	case bytes.EqualFold(name, []byte("ping")):
		return kindPing
	case bytes.EqualFold(name, []byte("replconf")):
		return kindReplconf
	case bytes.EqualFold(name, []byte("select")):
		return kindSelect
	case bytes.EqualFold(name, []byte("multi")):
		return kindMulti
	case bytes.EqualFold(name, []byte("exec")):
		return kindExec
	case bytes.EqualFold(name, []byte("discard")):
		return kindDiscard
	}
	return kindData
}

// parser cuts a RESP byte stream (a replication stream, or an incr file
// when annotations is set) into whole commands. It is resumable: feed
// bytes as they arrive, call next until it reports that it needs more.
// After an error it keeps returning that error.
type parser struct {
	annotations bool
	buf         []byte
	off         int // start of the command being parsed
	pos         int // where parsing of that command continues
	inCmd       bool
	argc, argi  int64
	kind        cmdKind
	arg1        [2]int // bounds of the second argument in buf
	consumed    int64  // bytes of whole commands returned so far
	err         error
}

// feed appends data. Commands returned before become invalid.
func (p *parser) feed(data []byte) {
	if p.off > 0 && p.off >= len(p.buf)-p.off { // amortized compaction
		n := copy(p.buf, p.buf[p.off:])
		p.buf = p.buf[:n]
		p.pos -= p.off
		p.arg1[0] -= p.off
		p.arg1[1] -= p.off
		p.off = 0
		if cap(p.buf) > shrinkAbove && n < shrinkAbove/4 {
			p.buf = append(make([]byte, 0, shrinkAbove/4), p.buf...)
		}
	}
	p.buf = append(p.buf, data...)
}

// pending returns how many fed bytes are not part of a returned command.
func (p *parser) pending() int { return len(p.buf) - p.off }

// next returns the next whole command; ok is false when more bytes are
// needed.
func (p *parser) next() (c command, ok bool, err error) {
	if p.err != nil {
		return command{}, false, p.err
	}
	c, ok, err = p.parse()
	if err != nil {
		p.err = fmt.Errorf("parse command at byte %d: %w", p.consumed, err)
		return command{}, false, p.err
	}
	return c, ok, nil
}

func (p *parser) parse() (command, bool, error) {
	if !p.inCmd {
		if p.off >= len(p.buf) {
			return command{}, false, nil
		}
		switch p.buf[p.off] {
		case '#':
			if !p.annotations {
				return command{}, false, fmt.Errorf("unexpected annotation line")
			}
			rest := p.buf[p.off:]
			i := bytes.IndexByte(rest[:min(len(rest), maxAnnotation)], '\n')
			if i < 0 {
				if len(rest) >= maxAnnotation {
					return command{}, false, fmt.Errorf("annotation line longer than %d bytes", maxAnnotation)
				}
				return command{}, false, nil
			}
			raw := rest[:i+1]
			p.off += i + 1
			p.pos = p.off
			p.consumed += int64(len(raw))
			return command{raw: raw, kind: kindAnnotation}, true, nil
		case '*':
		default:
			return command{}, false, fmt.Errorf("expected '*', got %q", p.buf[p.off])
		}
		n, end, ok, err := p.header(p.off)
		if err != nil || !ok {
			return command{}, false, err
		}
		if n < 1 || n > maxArgs {
			return command{}, false, fmt.Errorf("bad argument count %d", n)
		}
		p.argc, p.argi, p.pos, p.inCmd = n, 0, end, true
		p.kind, p.arg1 = kindData, [2]int{}
	}
	for p.argi < p.argc {
		if p.pos >= len(p.buf) {
			return command{}, false, nil
		}
		if p.buf[p.pos] != '$' {
			return command{}, false, fmt.Errorf("expected '$', got %q", p.buf[p.pos])
		}
		n, end, ok, err := p.header(p.pos)
		if err != nil || !ok {
			return command{}, false, err
		}
		if n < 0 || n > maxBulk {
			return command{}, false, fmt.Errorf("bad bulk length %d", n)
		}
		if int64(len(p.buf)-end) < n+2 {
			return command{}, false, nil
		}
		dataEnd := end + int(n)
		if p.buf[dataEnd] != '\r' || p.buf[dataEnd+1] != '\n' {
			return command{}, false, fmt.Errorf("bulk of %d bytes not followed by CRLF", n)
		}
		switch p.argi {
		case 0:
			p.kind = classify(p.buf[end:dataEnd])
		case 1:
			p.arg1 = [2]int{end, dataEnd}
		}
		p.pos = dataEnd + 2
		p.argi++
	}
	c := command{raw: p.buf[p.off:p.pos], kind: p.kind}
	if (p.kind == kindSelect || p.kind == kindReplconf) && p.argc > 1 {
		c.arg1 = p.buf[p.arg1[0]:p.arg1[1]]
	}
	p.consumed += int64(p.pos - p.off)
	p.off, p.inCmd = p.pos, false
	return c, true, nil
}

// header parses the "*<n>\r\n" or "$<n>\r\n" line at at.
func (p *parser) header(at int) (n int64, end int, ok bool, err error) {
	rest := p.buf[at:]
	i := bytes.IndexByte(rest[:min(len(rest), maxHeaderLine)], '\n')
	if i < 0 {
		if len(rest) >= maxHeaderLine {
			return 0, 0, false, fmt.Errorf("header line longer than %d bytes", maxHeaderLine)
		}
		return 0, 0, false, nil
	}
	if i < 2 || rest[i-1] != '\r' {
		return 0, 0, false, fmt.Errorf("header line %q not ended by CRLF", rest[:i+1])
	}
	n, err = strconv.ParseInt(string(rest[1:i-1]), 10, 64)
	if err != nil {
		return 0, 0, false, fmt.Errorf("header line %q: %w", rest[:i+1], err)
	}
	return n, at + i + 1, true, nil
}

// scanResult is what scanCommands found in an incr file.
type scanResult struct {
	end      int64 // position after the last whole command or annotation
	safeEnd  int64 // position after the last whole command outside MULTI
	commands int64 // commands (not annotations) up to safeEnd
	err      error // why the scan stopped early: parse error, errTruncated, read error
}

// scanCommands reads an incr file (annotations allowed) and calls fn, when
// not nil, after every whole command outside a transaction with the
// position after it and the commands counted so far. A read error or a
// malformed command stops the scan; its result says where.
func scanCommands(r io.Reader, fn func(pos, commands int64) error) scanResult {
	p := parser{annotations: true}
	buf := make([]byte, 256<<10)
	var res scanResult
	var cmds int64
	inMulti := false
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			p.feed(buf[:n])
			for {
				c, ok, err := p.next()
				if err != nil {
					res.err = err
					return res
				}
				if !ok {
					break
				}
				res.end = p.consumed
				if c.kind == kindAnnotation {
					if !inMulti {
						res.safeEnd = p.consumed
					}
					continue
				}
				cmds++
				switch c.kind {
				case kindMulti:
					inMulti = true
				case kindExec, kindDiscard:
					inMulti = false
				}
				if inMulti {
					continue
				}
				res.safeEnd, res.commands = p.consumed, cmds
				if fn != nil {
					if err := fn(p.consumed, cmds); err != nil {
						res.err = err
						return res
					}
				}
			}
		}
		if errors.Is(rerr, io.EOF) {
			switch {
			case p.pending() > 0:
				res.err = fmt.Errorf("%d bytes after byte %d: %w", p.pending(), p.consumed, errTruncated)
			case inMulti:
				res.err = fmt.Errorf("MULTI without EXEC after byte %d: %w", res.safeEnd, errTruncated)
			}
			return res
		}
		if rerr != nil {
			res.err = fmt.Errorf("read commands: %w", rerr)
			return res
		}
	}
}
