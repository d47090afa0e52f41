package archive

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParserFragmented(t *testing.T) {
	stream := string(encode("SELECT", "3")) + string(encode("SET", "k", "v\r\nx")) +
		string(encode("PING")) + string(encode("REPLCONF", "GETACK", "*")) +
		string(encode("MULTI")) + string(encode("INCR", "n")) + string(encode("EXEC"))
	for _, step := range []int{1, 2, 3, 7, len(stream)} {
		var p parser
		var kinds []cmdKind
		var total int
		getacks, db := 0, -1
		for i := 0; i < len(stream); i += step {
			p.feed([]byte(stream[i:min(len(stream), i+step)]))
			for {
				c, ok, err := p.next()
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if !ok {
					break
				}
				kinds = append(kinds, c.kind)
				total += len(c.raw)
				if c.isGetAck() {
					getacks++
				}
				if n, ok := c.selectDB(); ok {
					db = n
				}
			}
		}
		want := []cmdKind{kindSelect, kindData, kindPing, kindReplconf, kindMulti, kindData, kindExec}
		if !slicesEqual(kinds, want) || total != len(stream) || getacks != 1 || db != 3 || p.pending() != 0 {
			t.Fatalf("step %d: kinds %v total %d/%d getacks %d db %d pending %d", step, kinds, total, len(stream), getacks, db, p.pending())
		}
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParserErrors(t *testing.T) {
	for _, in := range []string{
		"+OK\r\n",
		"*0\r\n",
		"*1\r\n:5\r\n",
		"*1\r\n$-2\r\n",
		"*1\r\n$3\r\nabcXY",
		"*x\r\n",
		"*1\n",
		"*1\r\n$" + strings.Repeat("9", 40) + "\r\n",
		"#TS:1\r\n",
	} {
		var p parser
		p.feed([]byte(in))
		if _, _, err := p.next(); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	var p parser
	p.feed([]byte("*2\r\n$3\r\nGET\r\n$100\r\nabc"))
	if _, ok, err := p.next(); ok || err != nil {
		t.Fatalf("partial command: ok %v err %v", ok, err)
	}
}

func TestScanCommands(t *testing.T) {
	file := "#TS:100\r\n" + string(encode("SET", "a", "1")) + string(encode("MULTI")) + string(encode("SET", "b", "2")) + string(encode("EXEC"))
	var ends []int64
	res := scanCommands(strings.NewReader(file), func(pos, _ int64) error { ends = append(ends, pos); return nil })
	if res.err != nil || res.commands != 4 || res.safeEnd != int64(len(file)) || len(ends) != 2 {
		t.Fatalf("clean file: %+v ends %v", res, ends)
	}
	cut := file[:len(file)-len(encode("EXEC"))]
	res = scanCommands(strings.NewReader(cut), nil)
	if !errors.Is(res.err, errTruncated) || res.commands != 1 {
		t.Fatalf("open MULTI: %+v", res)
	}
	res = scanCommands(strings.NewReader(file[:len(file)-3]), nil)
	if !errors.Is(res.err, errTruncated) {
		t.Fatalf("torn command: %+v", res)
	}
}

func TestMarkReaderLeavesStream(t *testing.T) {
	mark := strings.Repeat("m", eofMarkLen)
	payload := strings.Repeat("payload-", 100000)
	after := string(encode("PING"))
	br := bufio.NewReaderSize(strings.NewReader(payload+mark+after), 4096)
	got, err := io.ReadAll(&markReader{br: br, mark: []byte(mark)})
	if err != nil || string(got) != payload {
		t.Fatalf("payload: %d bytes, %v", len(got), err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != after {
		t.Fatalf("after the mark: %q", rest)
	}
	_, err = io.ReadAll(&markReader{br: bufio.NewReader(strings.NewReader(payload)), mark: []byte(mark)})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("no mark: %v", err)
	}
}

func TestIndexLines(t *testing.T) {
	var b []byte
	b = point{pos: 0, offset: 10, ms: 5, db: 0}.appendLine(b)
	b = point{pos: 20, offset: 40, ms: 6, db: 2}.appendLine(b)
	b = append(b, "33 4"...)
	pts, err := parsePoints(bytes.NewReader(b))
	if err == nil || len(pts) != 2 || pts[1].db != 2 {
		t.Fatalf("%v %v", pts, err)
	}
}
