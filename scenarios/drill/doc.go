// Package drill is redisdrill as a Go library, for a recovery test inside
// your own suite (Ginkgo or plain go test).
//
// Run starts a Redis deployment in containers — by default a 3×1 Redis
// Cluster — and returns a handle with its addresses, a ready go-redis
// client and a nil-safe Terminate, the way a testcontainers-go module does:
//
//	d, err := drill.Run(ctx, drill.WithCluster(3, 1), drill.WithDurableWrites())
//	defer d.Terminate(context.Background())
//
// StartEngine arms redisdrill's recovery engine (detector, baseline,
// verified backups); Inject applies a named fault to a role-aware target
// ("shard-primary:0", "shard:1", "replica", "all", "node:NAME") with the
// engine already watching: it detects, fences, recovers and verifies while
// the fault is still being applied. Recover waits for that recovery, then
// heals the fault. An Observer installed as a go-redis hook on your own client
// measures RTO and lost acknowledged writes as that client saw them, and
// the matchers in package drillmatchers assert on the Result:
//
//	Expect(res).To(drillmatchers.RecoverWithin(2 * time.Second))
//	Expect(res).To(drillmatchers.LoseNoAckedWrites())
//
// Images are never pulled: the first Run builds redisdrill's Redis image
// (Debian packages, debootstrap, root) unless REDISDRILL_IMAGE names one
// that exists locally.
//
// Side effects: none. go-redis's global logger, slog's default logger and
// the process environment are left alone. testcontainers-go reads its
// configuration from the environment once per process; where no registry
// is reachable its Ryuk reaper (an image pull) cannot start, and Run
// returns ErrReaperUnavailable before creating anything. Call
// UseOfflineDefaults at your entry point, or set
// TESTCONTAINERS_RYUK_DISABLED=true, to run without it.
package drill
