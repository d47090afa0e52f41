// Command redisdrill runs chaos drills and game-day plans against Redis in
// Docker, backs up and verifies any reachable Redis, and compares reports.
//
// Exit codes: 0 everything passed, 1 a drill, check or comparison failed,
// 2 bad usage or an environment problem (Docker, network, authentication),
// 130 interrupted (Ctrl-C; reports of the finished scenarios are written).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// secondSignalCleanup bounds the cleanup after a second Ctrl-C (removing
// six containers took 10 s on a loaded 2-core machine with fuse-overlayfs);
// cleanupSettle is how long after the signal a pass must still find
// nothing (in-flight create requests land within it).
const (
	secondSignalCleanup = 30 * time.Second
	cleanupSettle       = 2 * time.Second
)

func main() {
	// Everything this process creates carries its owner label, so a second
	// Ctrl-C can remove exactly this process's containers.
	if os.Getenv(harness.EnvOwner) == "" {
		_ = os.Setenv(harness.EnvOwner, harness.NewOwnerID())
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// forcing is set once a second Ctrl-C started the forced cleanup: from
	// then on only that cleanup may end the process. Exiting on the normal
	// path would abort its in-flight removals, which the daemon then drops
	// (the graceful cleanup may return early, refused with "removal
	// already in progress"), and leave the run's containers behind.
	var forcing atomic.Bool
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "redisdrill: interrupted: finishing up — a drill heals, writes its reports and cleans up; backup stream seals and checks its archives (Ctrl-C again to exit at once)")
		cancel()
		<-sigs
		forcing.Store(true)
		fmt.Fprintln(os.Stderr, "redisdrill: interrupted again: removing this run's containers and exiting")
		os.Exit(forceCleanup())
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	if forcing.Load() {
		select {} // forceCleanup exits, within secondSignalCleanup
	}
	os.Exit(code)
}

// forceCleanup removes every resource this process created, bounded by
// secondSignalCleanup, and returns the interrupted exit code. It prunes in
// passes until one finds nothing at least cleanupSettle after the signal:
// a container or network whose create request was already on its way to
// the daemon appears after the first pass.
func forceCleanup() int {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), secondSignalCleanup)
	defer cancel()
	d, err := harness.NewDocker(ctx)
	if err != nil {
		return exitInterrupted
	}
	defer d.Close()
	owner := os.Getenv(harness.EnvOwner)
	for {
		res, err := harness.PruneOwner(ctx, d, owner)
		empty := err == nil && res.Containers+res.Networks+res.Volumes == 0
		if empty && time.Since(start) >= cleanupSettle {
			return exitInterrupted
		}
		if ctx.Err() != nil {
			why := ""
			if err != nil {
				why = ": " + strings.SplitN(err.Error(), "\n", 2)[0]
			}
			fmt.Fprintf(os.Stderr, "redisdrill: cleanup incomplete%s (run redisdrill prune)\n", why)
			return exitInterrupted
		}
		time.Sleep(300 * time.Millisecond)
	}
}
