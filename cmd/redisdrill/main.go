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
	"syscall"
	"time"

	"github.com/redisdrill/redisdrill/harness"
)

// secondSignalCleanup bounds the cleanup after a second Ctrl-C.
const secondSignalCleanup = 10 * time.Second

func main() {
	// Everything this process creates carries its owner label, so a second
	// Ctrl-C can remove exactly this process's containers.
	if os.Getenv(harness.EnvOwner) == "" {
		_ = os.Setenv(harness.EnvOwner, harness.NewOwnerID())
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "redisdrill: interrupted: healing, writing reports and cleaning up (Ctrl-C again to exit at once)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "redisdrill: interrupted again: removing this run's containers and exiting")
		os.Exit(forceCleanup())
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// forceCleanup removes every resource this process created, bounded by
// secondSignalCleanup, and returns the interrupted exit code.
func forceCleanup() int {
	ctx, cancel := context.WithTimeout(context.Background(), secondSignalCleanup)
	defer cancel()
	d, err := harness.NewDocker(ctx)
	if err != nil {
		return exitInterrupted
	}
	defer d.Close()
	if _, err := harness.PruneOwner(ctx, d, os.Getenv(harness.EnvOwner)); err != nil {
		fmt.Fprintln(os.Stderr, "redisdrill: cleanup incomplete (run redisdrill prune): "+err.Error())
	}
	return exitInterrupted
}
