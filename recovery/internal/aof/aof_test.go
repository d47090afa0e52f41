package aof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func resp(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestParseManifest(t *testing.T) {
	good := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	m, err := ParseManifest([]byte(good))
	if err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	if b, ok := m.Base(); !ok || b.Name != "appendonly.aof.1.base.rdb" || len(m.Incr()) != 2 {
		t.Fatalf("parsed %+v", m)
	}
	if string(m.Format()) != good {
		t.Fatalf("format round trip: %q", m.Format())
	}
	if err := m.Validate(map[string]int64{"appendonly.aof.1.base.rdb": 1, "appendonly.aof.1.incr.aof": 0, "appendonly.aof.2.incr.aof": 0}); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if err := m.Validate(map[string]int64{"appendonly.aof.1.base.rdb": 1, "appendonly.aof.1.incr.aof": 0}); err == nil || !strings.Contains(err.Error(), "appendonly.aof.2.incr.aof") {
		t.Fatalf("missing incr file not reported: %v", err)
	}
	bad := map[string]string{
		"empty":           "",
		"two bases":       "file a seq 1 type b\nfile b seq 2 type b\n",
		"base after incr": "file i seq 1 type i\nfile b seq 1 type b\n",
		"seq not rising":  "file b seq 1 type b\nfile i2 seq 2 type i\nfile i1 seq 1 type i\n",
		"unknown type":    "file x seq 1 type z\n",
		"missing field":   "file x seq 1 kind b\n",
		"odd fields":      "file x seq 1 type\n",
		"path":            "file ../x seq 1 type b\n",
		"bad seq":         "file x seq one type b\n",
		"unbalanced":      "file \"x seq 1 type b\n",
	}
	for name, text := range bad {
		if _, err := ParseManifest([]byte(text)); !errors.Is(err, ErrManifest) {
			t.Errorf("%s: want ErrManifest, got %v", name, err)
		}
	}
	if m, err := ParseManifest([]byte("# comment\nfile \"a b.aof\" seq 3 type i extra ignored\n")); err != nil || m.Entries[0].Name != "a b.aof" {
		t.Errorf("quoted name / comments / unknown keys: %+v %v", m, err)
	}
}

func TestCheckAndCorruption(t *testing.T) {
	body := "#TS:100\r\n" + resp("SET", "a", "1") + resp("MULTI") + resp("SET", "b", "2") + resp("EXEC") + "#TS:200\r\n" + resp("SET", "c", "3")
	res, err := Check([]byte(body))
	if err != nil || !res.OK() || res.Commands != 5 || res.Annotations != 2 {
		t.Fatalf("valid file: %+v %v", res, err)
	}
	cmds, err := Commands([]byte(body))
	if err != nil || len(cmds) != 5 || cmds[4].TS != 200 || string(cmds[4].Args[1]) != "c" || !cmds[2].InMulti {
		t.Fatalf("commands: %+v %v", cmds, err)
	}
	// Garbage in the middle: cut right before it.
	mid := strings.Index(body, "#TS:200")
	garbled := body[:mid] + "xx" + body[mid:]
	if off, ok := FindCorruption([]byte(garbled)); ok || off != int64(mid) {
		t.Fatalf("garbage: offset %d ok %v, want %d", off, ok, mid)
	}
	// Truncated last command: cut at its start, reported as truncation.
	last := strings.LastIndex(body, "*3")
	res, _ = Check([]byte(body[:len(body)-4]))
	if res.ValidUpTo != int64(last) || !res.Truncated {
		t.Fatalf("truncated: %+v, want valid up to %d", res, last)
	}
	// MULTI without EXEC: cut from the MULTI.
	open := resp("SET", "a", "1") + resp("MULTI") + resp("SET", "b", "2")
	if off, ok := FindCorruption([]byte(open)); ok || off != int64(len(resp("SET", "a", "1"))) {
		t.Fatalf("open multi: offset %d ok %v", off, ok)
	}
}

func TestTruncateToTimestamp(t *testing.T) {
	body := "#TS:100\r\n" + resp("SET", "a", "1") + "#TS:150\r\n" + resp("SET", "b", "2") + "#TS:200\r\n" + resp("SET", "c", "3")
	out, rep, err := TruncateToTimestamp([]byte(body), 160)
	if err != nil {
		t.Fatal(err)
	}
	if want := body[:strings.Index(body, "#TS:200")]; string(out) != want || rep.CommandsKept != 2 || rep.CommandsCut != 1 || rep.Timestamp != 200 {
		t.Fatalf("got %q %+v", out, rep)
	}
	if out, _, err := TruncateToTimestamp([]byte(body), 500); err != nil || len(out) != len(body) {
		t.Fatalf("nothing to cut: %d %v", len(out), err)
	}
	if _, _, err := TruncateToTimestamp([]byte(body), 50); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("nothing before: want error, got %v", err)
	}
}

func TestCutFlush(t *testing.T) {
	keep := "#TS:1\r\n" + resp("SET", "a", "1")
	body := keep + "#TS:2\r\n" + resp("FLUSHALL") + resp("SET", "z", "9")
	out, rep, err := CutFlush([]byte(body))
	if err != nil || string(out) != keep || rep.FlushCommand != "FLUSHALL" || rep.CutAfterFlush != 1 || rep.CommandsKept != 1 || rep.CommandsCut != 2 {
		t.Fatalf("cut flush: %q %+v %v", out, rep, err)
	}
	inMulti := resp("SET", "a", "1") + resp("MULTI") + resp("FLUSHDB") + resp("EXEC")
	out, _, err = CutFlush([]byte(inMulti))
	if err != nil || string(out) != resp("SET", "a", "1") {
		t.Fatalf("flush in multi: %q %v", out, err)
	}
	if _, _, err := CutFlush([]byte(keep)); !errors.Is(err, ErrNoFlush) {
		t.Fatalf("no flush: %v", err)
	}
}

func TestRepairNeverInPlace(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.aof")
	body := resp("SET", "a", "1") + "garbage"
	if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Repair(src, src); !errors.Is(err, ErrInPlace) {
		t.Fatalf("in place: want ErrInPlace, got %v", err)
	}
	if err := os.Link(src, filepath.Join(dir, "b.aof")); err == nil {
		if _, err := Repair(src, filepath.Join(dir, "b.aof")); !errors.Is(err, ErrInPlace) {
			t.Fatalf("hard link: want ErrInPlace, got %v", err)
		}
	}
	rep, err := Repair(src, filepath.Join(dir, "fixed.aof"))
	if err != nil || rep.Cut != 7 || rep.CommandsKept != 1 {
		t.Fatalf("repair: %+v %v", rep, err)
	}
	after, _ := os.ReadFile(src)
	if !bytes.Equal(after, []byte(body)) {
		t.Fatal("source was modified")
	}
}
