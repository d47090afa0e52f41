package workload

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestObservationsJSONLRoundTrip(t *testing.T) {
	obs := []Observation{
		{Key: "rd:x:c0:1", Tag: "x:0:1"},
		{Key: "rd:x:c0:2", Missing: true},
		{Key: "rd:x:c1:1", Tag: "x:1:0"},
		{Key: "rd:x:c1:2", Tag: ""}, // present, value without a tag
	}
	var buf bytes.Buffer
	if err := WriteObservationsJSONL(&buf, obs); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != len(obs) {
		t.Fatalf("wrote %d lines, want %d:\n%s", n, len(obs), buf.String())
	}
	if !strings.Contains(buf.String(), `{"key":"rd:x:c0:2","missing":true}`) {
		t.Errorf("missing key not written compactly:\n%s", buf.String())
	}
	got, err := ReadObservationsJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, obs) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, obs)
	}
}

func TestReadObservationsJSONLErrors(t *testing.T) {
	cases := map[string]string{
		"garbled":  "{\"key\":\"a\",\"tag\":\"t\"}\n{\"key\":\n",
		"no key":   "{\"key\":\"a\"}\n\n{\"tag\":\"t\"}\n",
		"both set": "{\"key\":\"a\",\"tag\":\"t\",\"missing\":true}\n",
	}
	wantLine := map[string]string{"garbled": "line 2", "no key": "line 3", "both set": "line 1"}
	for name, in := range cases {
		_, err := ReadObservationsJSONL(strings.NewReader(in))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), wantLine[name]) || !strings.HasPrefix(err.Error(), "read final read: ") {
			t.Errorf("%s: error %q does not name %s", name, err, wantLine[name])
		}
	}
}

// TestCheckObserve drives classify+observe the way FinalRead does.
func TestCheckObserve(t *testing.T) {
	str := func(s string) *string { return &s }
	var c Check
	seen := map[string]bool{}
	steps := []struct {
		op  Op
		val *string
	}{
		{Op{Key: "k1", Tag: "n:0:1", Outcome: OK}, str("n:0:1|pad")},
		{Op{Key: "k2", Tag: "n:0:2", Outcome: OK}, nil},
		{Op{Key: "k3", Tag: "n:0:3", Outcome: Fail}, str("n:0:3|pad")},
		{Op{Key: "k1", Tag: "n:0:1", Outcome: OK}, str("n:0:1|pad")}, // duplicate key
		{Op{Key: "k4", Tag: "n:0:4", Outcome: OK}, str(strings.Repeat("z", 1000))},
	}
	for _, s := range steps {
		c.classify(s.op, s.val)
		c.observe(s.op.Key, s.val, seen)
	}
	want := []Observation{
		{Key: "k1", Tag: "n:0:1"},
		{Key: "k2", Missing: true},
		{Key: "k3", Tag: "n:0:3"},
		{Key: "k4", Tag: strings.Repeat("z", maxObservedTag)},
	}
	if !reflect.DeepEqual(c.Observed, want) {
		t.Errorf("Observed = %+v\nwant %+v", c.Observed, want)
	}
	if c.Lost != 2 || c.Recovered != 1 {
		t.Errorf("lost %d recovered %d, want 2 and 1", c.Lost, c.Recovered)
	}
}

// TestFinalReadObserved runs FinalRead against a tiny in-process RESP server
// (GET only), over more keys than one pipeline batch.
func TestFinalReadObserved(t *testing.T) {
	store := map[string]string{}
	l := NewLedger()
	rec := l.Recorder()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := finalReadBatch + 37
	var want []Observation
	for i := 0; i < n; i++ {
		key, tag := keyFor("rd:t", 0, int64(i)), tagFor("t", 0, int64(i))
		out := OK
		if i%7 == 3 {
			out = Unknown
		}
		rec.Record(Op{Key: key, Tag: tag, Outcome: out, Invoke: base.Add(time.Duration(i) * time.Millisecond),
			Complete: base.Add(time.Duration(i)*time.Millisecond + 500*time.Microsecond)})
		switch {
		case i%11 == 5: // deleted
			want = append(want, Observation{Key: key, Missing: true})
		case i%13 == 6: // overwritten by another writer
			store[key] = "other|x"
			want = append(want, Observation{Key: key, Tag: "other"})
		default:
			store[key] = tag + "|payload"
			want = append(want, Observation{Key: key, Tag: tag})
		}
	}
	addr := fakeGetServer(t, store)
	client := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := l.FinalRead(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if c.Keys != n || len(c.Observed) != n {
		t.Fatalf("keys %d observed %d, want %d", c.Keys, len(c.Observed), n)
	}
	if !reflect.DeepEqual(c.Observed, want) {
		for i := range want {
			if c.Observed[i] != want[i] {
				t.Fatalf("Observed[%d] = %+v, want %+v", i, c.Observed[i], want[i])
			}
		}
	}
	if c.LostMissing == 0 || c.LostWrongValue == 0 {
		t.Errorf("check %+v: expected both kinds of loss", c)
	}
}

// fakeGetServer serves GET from store and replies an error to anything else.
func fakeGetServer(t *testing.T, store map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveGets(conn, store)
		}
	}()
	return ln.Addr().String()
}

func serveGets(conn net.Conn, store map[string]string) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		switch {
		case len(args) == 2 && strings.EqualFold(args[0], "GET"):
			if v, ok := store[args[1]]; ok {
				fmt.Fprintf(w, "$%d\r\n%s\r\n", len(v), v)
			} else {
				w.WriteString("$-1\r\n")
			}
		default:
			fmt.Fprintf(w, "-ERR unknown command '%s'\r\n", args[0])
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(hdr, "$")))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}
