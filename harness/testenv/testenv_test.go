package testenv

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

func TestMain(m *testing.M) { Main(m) }

// envHelper makes TestInterruptHelper start a deployment and wait for a
// signal; without it the test does nothing.
const envHelper = "REDISDRILL_TESTENV_HELPER"

// TestInterruptHelper is the child of TestInterruptRemovesOwnedResources.
func TestInterruptHelper(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	d := RequireDocker(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dep, err := harness.Start(context.Background(), d, harness.Topology{Kind: harness.KindStandalone, Persistence: harness.PersistNone}, harness.StartOptions{Logger: quiet})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	os.Stdout.WriteString("READY " + dep.RunID + "\n")
	time.Sleep(2 * time.Minute) // no t.Cleanup runs on SIGINT: Main must clean up
	t.Fatal("no signal within 2 minutes")
}

// TestInterruptRemovesOwnedResources runs a test binary that starts a
// deployment, interrupts it with SIGINT and checks that it exits 130 and
// leaves nothing of its owner behind — what Ctrl-C during `go test` does.
func TestInterruptRemovesOwnedResources(t *testing.T) {
	d := RequireDocker(t)
	owner := harness.NewOwnerID()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptHelper$", "-test.count=1")
	// A fresh supervisor (not this test's child marker) with its own owner.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envChild+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, envHelper+"=1", harness.EnvOwner+"="+owner)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = harness.PruneOwner(ctx, d, owner)
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if run, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- run
			}
		}
		close(ready)
	}()
	var runID string
	select {
	case runID = <-ready:
	case <-time.After(2 * time.Minute):
	}
	if runID == "" {
		t.Fatalf("child never became ready\n%s", stderr.String())
	}
	label := harness.LabelOwner + "=" + owner
	cs, vs, ns := Leftovers(ctx, t, d, label)
	if cs < 1 || vs < 1 || ns != 1 {
		t.Fatalf("before SIGINT: %d containers, %d volumes, %d networks labelled %s=%s; want the node's", cs, vs, ns, harness.LabelOwner, owner)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(interruptBudget + 10*time.Second):
		t.Fatalf("child still running %s after SIGINT\n%s", interruptBudget+10*time.Second, stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitSIGINT {
		t.Errorf("child exit: %v, want exit status %d\n%s", err, exitSIGINT, stderr.String())
	}
	t.Logf("child stderr:\n%s", stderr.String())
	if cs, vs, ns := Leftovers(ctx, t, d, label); cs+vs+ns != 0 {
		t.Errorf("after SIGINT run %s left %d containers, %d volumes, %d networks\n%s", runID, cs, vs, ns, stderr.String())
	}
}

// fakeTB records what RequireDocker decides; Fatal and Skip stop the
// caller like the real ones (by panicking, recovered in decide).
type fakeTB struct {
	testing.TB
	outcome string
}

type stopped struct{}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Cleanup(func())                   {}
func (f *fakeTB) Skip(args ...any)                 { f.outcome = "skip"; panic(stopped{}) }
func (f *fakeTB) Skipf(format string, args ...any) { f.outcome = "skip"; panic(stopped{}) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.outcome = "fatal"
	panic(stopped{})
}

func decide() (outcome string) {
	f := &fakeTB{}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
		}
		outcome = f.outcome
	}()
	RequireDocker(f)
	return "connected"
}

// TestRequireDockerPolicy: no Docker skips locally and fails in CI.
func TestRequireDockerPolicy(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	for _, c := range []struct{ ci, want string }{{"", "skip"}, {"false", "skip"}, {"true", "fatal"}, {"1", "fatal"}} {
		t.Setenv("CI", c.ci)
		if got := decide(); got != c.want {
			t.Errorf("CI=%q, Docker unreachable: %s, want %s", c.ci, got, c.want)
		}
	}
}
