package archive

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// testLogger logs through t until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// splitArgs splits one RESP command into its arguments.
func splitArgs(raw []byte) ([]string, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	line, err := br.ReadString('\n')
	if err != nil || line[0] != '*' {
		return nil, fmt.Errorf("bad command %q", raw)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	args := make([]string, 0, n)
	for i := 0; i < n; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		b := make([]byte, l+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, err
		}
		args = append(args, string(b[:l]))
	}
	return args, nil
}

// aofKeys replays the SET, MSET and DEL commands of a multi-part AOF dir
// over the keys of its base RDB and returns the keys of database 0 with
// their values ("?" for keys of the RDB).
func aofKeys(t *testing.T, aofDir string) map[string]string {
	t.Helper()
	mf, err := os.ReadFile(filepath.Join(aofDir, aofManifest))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(mf)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			t.Fatalf("manifest line %q", line)
		}
		data, err := os.ReadFile(filepath.Join(aofDir, f[1]))
		if err != nil {
			t.Fatal(err)
		}
		if f[5] == "b" {
			if _, err := rdb.WalkKeys(data, func(k rdb.KeyEntry) error {
				if k.DB == 0 {
					keys[string(k.Key)] = "?"
				}
				return nil
			}); err != nil {
				t.Fatalf("base %s: %v", f[1], err)
			}
			continue
		}
		p := parser{annotations: true}
		p.feed(data)
		db := 0
		for {
			c, ok, err := p.next()
			if err != nil {
				t.Fatalf("%s: %v", f[1], err)
			}
			if !ok {
				break
			}
			if c.kind == kindAnnotation {
				continue
			}
			args, err := splitArgs(c.raw)
			if err != nil {
				t.Fatal(err)
			}
			switch strings.ToLower(args[0]) {
			case "select":
				db, _ = strconv.Atoi(args[1])
			case "set":
				if db == 0 {
					keys[args[1]] = args[2]
				}
			case "mset":
				for i := 1; i+1 < len(args) && db == 0; i += 2 {
					keys[args[i]] = args[i+1]
				}
			case "del", "unlink":
				for _, k := range args[1:] {
					if db == 0 {
						delete(keys, k)
					}
				}
			}
		}
		if p.pending() != 0 {
			t.Fatalf("%s: %d bytes of a torn command at the end", f[1], p.pending())
		}
	}
	return keys
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(t *testing.T, ctx context.Context, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// copyTree copies a folder of plain files and folders.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flipByte inverts one byte of a file in its middle.
func flipByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
