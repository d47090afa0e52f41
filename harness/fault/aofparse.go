package fault

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// manifestEntry is one line of a multi-part AOF manifest.
type manifestEntry struct {
	File string
	Seq  int64
	Type string // b (base), h (history), i (incr)
}

// parseManifest reads an appendonly.aof.manifest.
func parseManifest(text string) ([]manifestEntry, error) {
	var out []manifestEntry
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("parse manifest: line %d: odd number of fields", i+1)
		}
		var e manifestEntry
		for k := 0; k < len(f); k += 2 {
			switch f[k] {
			case "file":
				e.File = strings.Trim(f[k+1], `"`)
			case "seq":
				seq, err := strconv.ParseInt(f[k+1], 10, 64)
				if err != nil {
					return nil, fmt.Errorf("parse manifest: line %d: seq: %w", i+1, err)
				}
				e.Seq = seq
			case "type":
				e.Type = f[k+1]
			}
		}
		if e.File == "" || e.Type == "" {
			return nil, fmt.Errorf("parse manifest: line %d: file or type missing", i+1)
		}
		out = append(out, e)
	}
	return out, nil
}

// lastIncr returns the incr file with the highest seq.
func lastIncr(entries []manifestEntry) (string, error) {
	best := manifestEntry{Seq: -1}
	for _, e := range entries {
		if e.Type == "i" && e.Seq > best.Seq {
			best = e
		}
	}
	if best.File == "" {
		return "", fmt.Errorf("find last incr aof: manifest lists no incr file")
	}
	return best.File, nil
}

// commandStarts returns the offsets at which RESP commands (*N\r\n ...)
// start in an AOF, skipping #TS annotations. It stops at the first
// malformed or incomplete command.
func commandStarts(data []byte) []int64 {
	var out []int64
	pos := 0
	readLine := func() (string, bool) {
		i := bytes.Index(data[pos:], []byte("\r\n"))
		if i < 0 {
			i = bytes.IndexByte(data[pos:], '\n')
			if i < 0 {
				return "", false
			}
			line := string(data[pos : pos+i])
			pos += i + 1
			return line, true
		}
		line := string(data[pos : pos+i])
		pos += i + 2
		return line, true
	}
	for pos < len(data) {
		start := pos
		if data[pos] == '#' {
			if _, ok := readLine(); !ok {
				return out
			}
			continue
		}
		line, ok := readLine()
		if !ok || len(line) < 2 || line[0] != '*' {
			return out
		}
		argc, err := strconv.Atoi(line[1:])
		if err != nil || argc < 1 {
			return out
		}
		for a := 0; a < argc; a++ {
			hdr, ok := readLine()
			if !ok || len(hdr) < 2 || hdr[0] != '$' {
				return out
			}
			n, err := strconv.Atoi(hdr[1:])
			if err != nil || n < 0 || pos+n+2 > len(data) {
				return out
			}
			pos += n + 2
		}
		out = append(out, int64(start))
	}
	return out
}

// nearest returns the element of sorted offsets closest to target.
func nearest(offsets []int64, target int64) int64 {
	best := offsets[0]
	for _, o := range offsets {
		if abs64(o-target) < abs64(best-target) {
			best = o
		}
	}
	return best
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
