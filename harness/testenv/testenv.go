// Package testenv is what every test package that starts containers
// shares: a TestMain that removes the process's containers, networks and
// volumes when the run is interrupted or crashes, and the rule for when a
// Docker test may skip.
//
// Plain `go test` does not run t.Cleanup on SIGINT (nor after a panic or a
// -timeout), so an interrupted test binary would leave its deployments
// behind. Main gives the test binary one owner id (REDISDRILL_OWNER), which
// harness puts on everything it creates as the redisdrill.owner label, and
// prunes that label on SIGINT/SIGTERM and after the tests. Use it from each
// package's main_test.go:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// The tests run in a child process (the same binary, same arguments) under
// a small supervisor. Cleaning up from inside the interrupted process races
// with the tests, which keep running and creating containers while the
// handler prunes; the supervisor kills the child first, so nothing new can
// appear, and it also cleans up after a child that panicked or timed out.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// envChild marks the child process that runs the tests.
const envChild = "REDISDRILL_TESTENV_CHILD"

// Bounds of the cleanup: wait for the killed child, connect, then prune in
// passes settleDelay apart until one finds nothing; give up (and exit) after
// interruptBudget.
const (
	interruptBudget = 25 * time.Second
	childExitWait   = 5 * time.Second
	connectTimeout  = 5 * time.Second
	settleDelay     = time.Second
	maxPrunePasses  = 5
)

// Exit codes of an interrupted test binary (128 + signal number).
const (
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// Main runs the package's tests under Run and exits with their status.
func Main(m *testing.M) { os.Exit(Run(m.Run)) }

// Run runs tests (m.Run, or a TestMain's own set-up, m.Run and tear-down)
// in a child process and returns its exit status:
//
//   - REDISDRILL_OWNER is set to a fresh id when unset, so everything the
//     tests (and the commands they start) create carries that owner;
//   - the testcontainers-go defaults are applied (no Ryuk, loopback host);
//   - on the first SIGINT or SIGTERM the child is killed, the owner's
//     resources are pruned (bounded by 25 s) and Run returns 130 or 143; a
//     second signal returns at once; SIGQUIT is passed on to the child (go
//     test's stack dump of a hung binary);
//   - when the child ends — passed, failed, panicked, timed out — the
//     leftovers of an owner Run generated are pruned. An inherited
//     REDISDRILL_OWNER may be shared with other processes (go test runs
//     packages in parallel), so it is pruned only on a signal, which
//     reaches the whole process group. REDISDRILL_KEEP=1 keeps them.
//
// In the child, Run just calls tests.
func Run(tests func() int) int {
	if os.Getenv(envChild) == "1" {
		harness.ApplyTestcontainersDefaults()
		harness.QuietRedisLogs()
		return tests()
	}
	owner, generated := os.Getenv(harness.EnvOwner), false
	if owner == "" {
		owner, generated = harness.NewOwnerID(), true
		if err := os.Setenv(harness.EnvOwner, owner); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: set %s: %v\n", harness.EnvOwner, err)
			return 2
		}
	}
	harness.ApplyTestcontainersDefaults()
	return supervise(owner, generated)
}

// supervise runs this test binary again as the child and waits for it or
// for a signal.
func supervise(owner string, generated bool) int {
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	// On Ctrl-C whatever reads our output (go test, a pipe) may be gone:
	// a write to it must fail, not kill the cleanup with SIGPIPE.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	child := exec.Command(exe, os.Args[1:]...)
	child.Env = append(os.Environ(), envChild+"=1")
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := child.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: start test process: %v\n", err)
		return 2
	}
	exited := make(chan struct{})
	go func() {
		_ = child.Wait()
		close(exited)
	}()
	for {
		select {
		case <-exited:
			code := exitStatus(child.ProcessState)
			if generated && os.Getenv(harness.EnvKeep) != "1" {
				ctx, cancel := context.WithTimeout(context.Background(), interruptBudget)
				defer cancel()
				report("leftovers of owner "+owner, pruneOwner(ctx, owner, 1))
			}
			return code
		case sig := <-sigs:
			if sig == syscall.SIGQUIT {
				_ = child.Process.Signal(sig)
				continue
			}
			return interrupted(sig, sigs, child.Process, exited, owner)
		}
	}
}

// interrupted kills the child, prunes the owner's resources and returns
// the signal's exit status — at once on a second signal.
func interrupted(sig os.Signal, sigs <-chan os.Signal, child *os.Process, exited <-chan struct{}, owner string) int {
	code := exitSIGINT
	if sig == syscall.SIGTERM {
		code = exitSIGTERM
	}
	_ = child.Kill()
	fmt.Fprintf(os.Stderr, "\ntestenv: %v: tests stopped; removing the containers, networks and volumes of owner %s (again to exit now)\n", sig, owner)
	ctx, cancel := context.WithTimeout(context.Background(), interruptBudget)
	defer cancel()
	done := make(chan pruneOutcome, 1)
	go func() {
		select { // a killed process is gone at once; bounded anyway
		case <-exited:
		case <-time.After(childExitWait):
		}
		done <- pruneOwner(ctx, owner, 2)
	}()
	select {
	case out := <-done:
		report("owner "+owner, out)
	case <-ctx.Done():
		fmt.Fprintf(os.Stderr, "testenv: cleanup still running after %s; giving up (run `redisdrill prune`)\n", interruptBudget)
	case sig = <-sigs:
		fmt.Fprintf(os.Stderr, "testenv: %v again: exiting without finishing cleanup\n", sig)
	}
	return code
}

// exitStatus is the child's exit code, 128+n when signal n ended it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// pruneOutcome is what pruneOwner removed and what went wrong.
type pruneOutcome struct {
	res harness.PruneResult
	err error
}

// report prints what a cleanup removed (nothing when it removed nothing and
// there was no Docker to ask).
func report(what string, out pruneOutcome) {
	if out.err != nil && errors.Is(out.err, harness.ErrDockerUnreachable) && out.res.Total() == 0 {
		return
	}
	if out.res.Total() > 0 {
		fmt.Fprintf(os.Stderr, "testenv: removed %s: %d containers, %d networks, %d volumes\n",
			what, out.res.Containers, out.res.Networks, out.res.Volumes)
	}
	if out.err != nil {
		fmt.Fprintf(os.Stderr, "testenv: cleanup of %s incomplete: %v\n", what, out.err)
	}
}

// pruneOwner connects and removes the owner's resources in passes
// settleDelay apart, at least minPasses, until a pass finds nothing: a
// create the killed child sent just before it died may land after the
// first pass.
func pruneOwner(ctx context.Context, owner string, minPasses int) pruneOutcome {
	var out pruneOutcome
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	d, err := harness.NewDocker(cctx)
	cancel()
	if err != nil {
		out.err = fmt.Errorf("connect docker: %w", err)
		return out
	}
	defer d.Close()
	for pass := 1; pass <= maxPrunePasses; pass++ {
		res, err := harness.PruneOwner(ctx, d, owner)
		out.res.Containers += res.Containers
		out.res.Networks += res.Networks
		out.res.Volumes += res.Volumes
		out.err = err
		if err == nil && res.Total() == 0 && pass >= minPasses {
			return out
		}
		if pass == maxPrunePasses {
			break
		}
		select {
		case <-ctx.Done():
			if out.err == nil {
				out.err = ctx.Err()
			}
			return out
		case <-time.After(settleDelay):
		}
	}
	return out
}

// InCI reports whether CI is set to a true value (CI=true): Docker tests
// then fail instead of skipping.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// RequireDocker connects to Docker for one test and closes the connection
// at cleanup. Without Docker the test is skipped, or fails when InCI; with
// -short it is skipped unless InCI (CI never skips a Docker test).
func RequireDocker(tb testing.TB) *harness.Docker {
	tb.Helper()
	ci := InCI()
	if testing.Short() && !ci {
		tb.Skip("needs Docker (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := harness.NewDocker(ctx)
	switch {
	case err == nil:
	case ci:
		tb.Fatalf("needs Docker (CI=true never skips): %v", err)
	case errors.Is(err, harness.ErrDockerUnreachable):
		tb.Skipf("needs Docker: %v", err)
	default:
		tb.Fatalf("connect docker: %v", err)
	}
	tb.Cleanup(func() { _ = d.Close() })
	return d
}
