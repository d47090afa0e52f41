package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// point is a command boundary outside a transaction: the file position
// after it, the replication offset after it, the receive time (unix ms)
// of the last command before it and the database the stream is in there.
type point struct {
	pos, offset, ms int64
	db              int
}

// appendLine renders p as an index line.
func (p point) appendLine(b []byte) []byte {
	b = strconv.AppendInt(b, p.pos, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, p.offset, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, p.ms, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(p.db), 10)
	return append(b, '\n')
}

// parsePoint parses one index line (without its newline).
func parsePoint(line []byte) (point, error) {
	f := bytes.Fields(line)
	if len(f) != 4 {
		return point{}, fmt.Errorf("index line %q: want 4 fields", line)
	}
	var v [4]int64
	for i, s := range f {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || n < 0 {
			return point{}, fmt.Errorf("index line %q: bad field %q", line, s)
		}
		v[i] = n
	}
	if v[3] > 1<<30 {
		return point{}, fmt.Errorf("index line %q: bad database", line)
	}
	return point{pos: v[0], offset: v[1], ms: v[2], db: int(v[3])}, nil
}

// readIndex reads an index file's entries, stopping at the first torn,
// malformed or out-of-order line (a crash can leave a partial last line);
// err says why it stopped early, nil when every line was good.
func readIndex(path string) ([]point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	pts, err := parsePoints(f)
	if err != nil {
		return pts, fmt.Errorf("read index %s: %w", path, err)
	}
	return pts, nil
}

// parsePoints reads index lines (see readIndex).
func parsePoints(r io.Reader) (pts []point, err error) {
	br := bufio.NewReader(r)
	for {
		line, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, io.EOF) {
			if len(line) > 0 {
				return pts, fmt.Errorf("torn last line %q", line)
			}
			return pts, nil
		}
		if rerr != nil {
			return pts, rerr
		}
		p, perr := parsePoint(line[:len(line)-1])
		if perr != nil {
			return pts, perr
		}
		if n := len(pts); n > 0 && (p.pos < pts[n-1].pos || p.offset < pts[n-1].offset) {
			return pts, fmt.Errorf("entry %d goes backwards", n+1)
		}
		pts = append(pts, p)
	}
}
