package history

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestJSONLRoundTrip(t *testing.T) {
	ops := []Op{
		write(1, 1, "r", "a<&>", 0, 10),
		read(2, 1, "r", 11, 12, got("a<&>"), final()),
		read(2, 2, "r", 13, 14),
		lrange(3, 1, "l", 0, 1, []string{"x", "y"}),
		incr(4, 1, "c", 0, 1, 7),
		write(5, 1, "r", "b", 0, 1, outcome(OutcomeUnknown), func(op *Op) { op.Kind, op.Err = "timeout", "i/o timeout" }),
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, ops); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != len(ops) {
		t.Fatalf("wrote %d lines, want %d", n, len(ops))
	}
	back, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ops) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, ops)
	}
}

func TestReadJSONLFieldNames(t *testing.T) {
	line := `{"client":3,"seq":17,"key":"k","type":"list","f":"read","invoke":"2026-03-01T12:00:00Z","complete":"2026-03-01T12:00:00.004Z","outcome":"ok","list":["a","b"],"final":true}`
	ops, err := ReadJSONL(strings.NewReader("\n" + line + "\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := lrange(3, 17, "k", 0, 4, []string{"a", "b"}, final())
	if len(ops) != 1 || !reflect.DeepEqual(ops[0], want) {
		t.Fatalf("got %+v, want %+v", ops, want)
	}
}

func TestReadJSONLBadLine(t *testing.T) {
	in := `{"client":1,"seq":1,"key":"k","type":"register","f":"read","outcome":"ok"}` + "\n" +
		`{"client":1,"seq":2,` + "\n"
	_, err := ReadJSONL(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "read history line 2:") {
		t.Fatalf("err = %v, want it to name line 2", err)
	}
}
