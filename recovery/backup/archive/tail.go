package archive

import (
	"fmt"
	"os"
	"path/filepath"
)

// tailSegment is the durable prefix of an unsealed segment, read without
// changing it (the archiver may be appending).
type tailSegment struct {
	Segment
	points []point // index entries up to the prefix's end
}

// tailPrefix reads the unsealed segment after b's sealed ones: its
// durable prefix and the file's current size.
func tailPrefix(dir string, b *Base) (tailSegment, int64, error) {
	return unsealedPrefix(dir, b.nextSeq(), b.endOffset(), b.endDB())
}

// unsealedPrefix reads unsealed segment seq, which starts at offset start
// in database startDB: its durable prefix (up to the last index entry
// that is a command boundary outside MULTI; a torn index line or a torn
// command after it is expected after a crash) and the file's size.
func unsealedPrefix(dir string, seq int, start int64, startDB int) (tailSegment, int64, error) {
	path := filepath.Join(dir, segmentName(seq))
	st, err := os.Stat(path)
	if err != nil {
		return tailSegment{}, 0, fmt.Errorf("read unsealed segment: %w", err)
	}
	pts, _ := readIndex(filepath.Join(dir, indexName(seq)))
	best, n, cmds, err := durablePrefix(path, pts)
	if err != nil {
		return tailSegment{}, st.Size(), err
	}
	t := tailSegment{Segment: Segment{File: segmentName(seq), Seq: seq, StartOffset: start, EndOffset: start,
		EndDB: startDB, Index: indexName(seq)}}
	t.points = []point{{pos: 0, offset: start, db: startDB}}
	if n < 0 {
		return t, st.Size(), nil
	}
	if pts[0].offset != start {
		return t, st.Size(), fmt.Errorf("read unsealed segment %s: index starts at offset %d, previous segment ends at %d", t.File, pts[0].offset, start)
	}
	t.EndOffset, t.Bytes, t.Commands, t.EndDB = best.offset, best.pos, cmds, best.db
	t.points = pts[:n+1]
	if best.pos > 0 {
		t.LastMS = best.ms
		for _, p := range t.points {
			if p.pos > 0 {
				t.FirstMS = p.ms
				break
			}
		}
	}
	return t, st.Size(), nil
}
