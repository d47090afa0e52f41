package process

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// inCI reports whether CI is set to a true value: tests never skip then.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// requireBinary returns the server binary, skipping the test without one
// (failing under CI=true, which never skips).
func requireBinary(tb testing.TB) string {
	tb.Helper()
	b, err := FindBinary("")
	if err != nil {
		if inCI() {
			tb.Fatalf("needs a server binary (CI=true never skips): %v", err)
		}
		tb.Skipf("skipping: %v", err)
	}
	return b
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger returns a logger whose output is printed only when the test
// fails (goroutines may log after the test returned).
func testLogger(t *testing.T) *slog.Logger {
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startDeployment starts topo for one test and registers its teardown
// before checking the start error, so a partial deployment goes too.
func startDeployment(ctx context.Context, t *testing.T, topo rediskit.Topology) *Deployment {
	t.Helper()
	requireBinary(t)
	dep, err := Start(ctx, topo, StartOptions{Logger: testLogger(t)})
	t.Cleanup(func() {
		if t.Failed() && dep != nil {
			for _, n := range dep.AllNodes() {
				if logs, err := n.Logs(context.Background()); err == nil {
					t.Logf("log of %s:\n%s", n.Name(), tail(logs, 30))
				}
			}
		}
		if err := dep.Terminate(context.Background()); err != nil {
			t.Errorf("terminate: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", topo, err)
	}
	return dep
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// eventually polls cond every 20 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
