// Command redisdrill runs chaos drills and game-day plans against Redis in
// Docker, backs up and verifies any reachable Redis, and compares reports.
//
// Exit codes: 0 everything passed, 1 a drill, check or comparison failed,
// 2 bad usage or an environment problem (Docker, network, authentication).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
