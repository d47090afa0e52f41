package archive

import (
	"os"
	"path/filepath"
	"testing"
)

// feedCommands runs cmds through a parser and into s as the stream
// goroutine does, starting at offset off in database db.
func feedCommands(t *testing.T, s *segment, off *int64, db *int, inMulti *bool, ms int64, cmds ...[]byte) {
	t.Helper()
	var p parser
	for _, c := range cmds {
		p.feed(c)
	}
	for {
		c, ok, err := p.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		*off += int64(len(c.raw))
		if c.kind != kindPing && c.kind != kindReplconf {
			if err := s.appendCommand(c, ms, *db, *inMulti); err != nil {
				t.Fatal(err)
			}
			switch c.kind {
			case kindSelect:
				*db, _ = c.selectDB()
			case kindMulti:
				*inMulti = true
			case kindExec:
				*inMulti = false
			}
		}
		if !*inMulti {
			s.mark(point{offset: *off, ms: ms, db: *db})
		}
	}
}

// TestSegmentCrashRecovery writes a segment the way the archiver does,
// "crashes" with an unfinished transaction and a torn index line, and
// checks recovery keeps exactly the committed prefix.
func TestSegmentCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	const start = 1000
	s, err := openSegment(dir, 3, start, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	off, db, inMulti := int64(start), 2, false
	feedCommands(t, s, &off, &db, &inMulti, 1_000, encode("SET", "a", "1"), encode("PING"))
	feedCommands(t, s, &off, &db, &inMulti, 1_001, encode("SELECT", "5"), encode("SET", "b", "2"))
	feedCommands(t, s, &off, &db, &inMulti, 2_500, encode("SET", "c", "3"), encode("REPLCONF", "GETACK", "*"))
	durable, err := s.commit()
	if err != nil || durable != off {
		t.Fatalf("commit: %d %v, want %d", durable, err, off)
	}
	committed := s.size
	// An unfinished transaction, flushed but never indexed, and a torn index line.
	feedCommands(t, s, &off, &db, &inMulti, 3_000, encode("MULTI"), encode("SET", "d", "4"))
	if err := s.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.idx.WriteString("99 12"); err != nil {
		t.Fatal(err)
	}
	_ = s.closeFiles()

	pts, _ := readIndex(filepath.Join(dir, indexName(3)))
	if len(pts) != 4 { // open, ms 1000, ms 1001, ms 2500 (with the GETACK bytes)
		t.Fatalf("index entries %+v", pts)
	}
	m, err := recoverSegment(dir, 3, start, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bytes != committed || m.EndOffset != durable || m.EndDB != 5 || m.Commands != 5 || m.FirstMS != 1_000 || m.LastMS != 2_500 {
		t.Fatalf("recovered %+v, want %d bytes to offset %d", m, committed, durable)
	}
	data, _ := os.ReadFile(filepath.Join(dir, segmentName(3)))
	want := "#TS:1\r\n" + string(encode("SELECT", "2")) + string(encode("SET", "a", "1")) +
		string(encode("SELECT", "5")) + string(encode("SET", "b", "2")) + "#TS:2\r\n" + string(encode("SET", "c", "3"))
	if string(data) != want {
		t.Fatalf("segment after recovery:\n%q\nwant\n%q", data, want)
	}
	if err := verifySegment(filepath.Join(dir, m.File), m, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyIndex(filepath.Join(dir, m.Index), m); err != nil {
		t.Fatal(err)
	}
}

// TestSegmentRollback drops an unfinished transaction from an open segment.
func TestSegmentRollback(t *testing.T) {
	dir := t.TempDir()
	s, err := openSegment(dir, 1, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	off, db, inMulti := int64(0), 0, false
	feedCommands(t, s, &off, &db, &inMulti, 5_000, encode("SET", "a", "1"), encode("MULTI"), encode("SET", "b", "2"))
	if _, err := s.commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.rollback(); err != nil {
		t.Fatal(err)
	}
	m, err := s.seal()
	if err != nil {
		t.Fatal(err)
	}
	want := "#TS:5\r\n" + string(encode("SET", "a", "1"))
	if m.Bytes != int64(len(want)) || m.Commands != 1 || m.EndOffset != int64(len(encode("SET", "a", "1"))) {
		t.Fatalf("sealed %+v", m)
	}
	if err := verifySegment(filepath.Join(dir, m.File), m, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyIndex(filepath.Join(dir, m.Index), m); err != nil {
		t.Fatal(err)
	}
}
