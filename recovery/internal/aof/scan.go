package aof

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Command is one RESP command of an AOF file.
type Command struct {
	Offset  int64    // first byte ('*')
	End     int64    // one past the final \r\n
	Args    [][]byte // Args[0] is the command name
	TS      int64    // the last #TS annotation before it (0 when none)
	InMulti bool     // between MULTI and EXEC (MULTI and EXEC included)
}

// Name returns the upper-cased command name.
func (c Command) Name() string {
	if len(c.Args) == 0 {
		return ""
	}
	return strings.ToUpper(string(c.Args[0]))
}

// Annotation is one "#…\r\n" line (Redis writes "#TS:<unix seconds>").
type Annotation struct {
	Offset int64
	End    int64
	Text   string // without '#' and the line end
}

// Timestamp returns the unix second of a "#TS:" annotation.
func (a Annotation) Timestamp() (int64, bool) {
	v, ok := strings.CutPrefix(a.Text, "TS:")
	if !ok {
		return 0, false
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	return ts, err == nil
}

// eofProblem starts every problem caused by the data ending early.
const eofProblem = "unexpected end of file"

// visitor receives the items of a scan in file order; returning false stops.
type visitor struct {
	command    func(Command) bool
	annotation func(Annotation) bool
}

// scanResult is where a scan stopped and why.
type scanResult struct {
	validUpTo   int64 // like redis-check-aof's ok_up_to: end of the last complete item outside MULTI
	commands    int   // commands that end at or before validUpTo
	annotations int
	problem     string // "" when the whole input is valid
	problemAt   int64
	stopped     bool // a visitor asked to stop
}

// scan walks RESP commands and annotations from offset start, following
// redis-check-aof: an item must start with '#' or '*'; a MULTI without EXEC
// at the end invalidates everything from the MULTI on.
func scan(data []byte, start int64, v visitor) scanResult {
	var res scanResult
	pos := start
	res.validUpTo = start
	multi := false
	var multiCommands int
	var ts int64
	for {
		if !multi {
			res.validUpTo = pos
		}
		if pos >= int64(len(data)) {
			if multi {
				res.problem, res.problemAt = eofProblem+" before EXEC for MULTI", pos
			}
			return res
		}
		switch data[pos] {
		case '#':
			nl := bytes.IndexByte(data[pos:], '\n')
			if nl < 0 {
				res.problem, res.problemAt = eofProblem+" in annotation", pos
				return res
			}
			a := Annotation{Offset: pos, End: pos + int64(nl) + 1, Text: strings.TrimRight(string(data[pos+1:pos+int64(nl)]), "\r")}
			if t, ok := a.Timestamp(); ok {
				ts = t
			}
			pos = a.End
			res.annotations++
			if v.annotation != nil && !v.annotation(a) {
				res.stopped = true
				return res
			}
		case '*':
			c, problem := parseCommand(data, pos)
			if problem != "" {
				res.problem, res.problemAt = problem, pos
				return res
			}
			name := c.Name()
			switch {
			case name == "MULTI" && multi:
				res.problem, res.problemAt = "unexpected MULTI", pos
				return res
			case name == "MULTI":
				multi, multiCommands = true, 0 // MULTI is counted below
			case name == "EXEC" && !multi:
				res.problem, res.problemAt = "unexpected EXEC", pos
				return res
			}
			c.TS, c.InMulti = ts, multi
			if name == "EXEC" {
				multi = false
				res.commands += multiCommands + 1 // + EXEC
			} else if multi {
				multiCommands++
			} else {
				res.commands++
			}
			pos = c.End
			if v.command != nil && !v.command(c) {
				res.stopped = true
				return res
			}
		default:
			res.problem, res.problemAt = fmt.Sprintf("format error: byte 0x%02x where '*' or '#' was expected", data[pos]), pos
			return res
		}
	}
}

// parseCommand parses one "*N\r\n($len\r\n<bytes>\r\n)×N" command at off.
func parseCommand(data []byte, off int64) (Command, string) {
	c := Command{Offset: off}
	argc, pos, problem := readLong(data, off, '*')
	if problem != "" {
		return c, problem
	}
	if argc < 1 {
		return c, fmt.Sprintf("argument count %d", argc)
	}
	c.Args = make([][]byte, 0, min(argc, 64))
	for i := int64(0); i < argc; i++ {
		var n int64
		n, pos, problem = readLong(data, pos, '$')
		if problem != "" {
			return c, problem
		}
		if n < 0 {
			return c, fmt.Sprintf("string length %d", n)
		}
		if n > int64(len(data))-pos-2 {
			return c, fmt.Sprintf("%s: expected %d bytes", eofProblem, n+2)
		}
		if data[pos+n] != '\r' || data[pos+n+1] != '\n' {
			return c, "expected \\r\\n after string"
		}
		c.Args = append(c.Args, data[pos:pos+n])
		pos += n + 2
	}
	c.End = pos
	return c, ""
}

// readLong reads "<prefix><integer>\r\n" at off.
func readLong(data []byte, off int64, prefix byte) (int64, int64, string) {
	if off >= int64(len(data)) {
		return 0, off, eofProblem
	}
	if data[off] != prefix {
		return 0, off, fmt.Sprintf("expected prefix %q, got 0x%02x", prefix, data[off])
	}
	end := off + 1
	for end < int64(len(data)) && end-off < 128 && data[end] != '\r' {
		end++
	}
	if end+1 >= int64(len(data)) {
		return 0, off, eofProblem
	}
	if data[end+1] != '\n' {
		return 0, off, "expected \\r\\n"
	}
	v, err := strconv.ParseInt(string(data[off+1:end]), 10, 64)
	if err != nil {
		return 0, off, fmt.Sprintf("bad integer %q", data[off+1:end])
	}
	return v, end + 2, ""
}
