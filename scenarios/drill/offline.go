package drill

import "github.com/redisdrill/redisdrill/harness"

// ErrReaperUnavailable is returned by Run when testcontainers-go is set to
// start its Ryuk reaper but the reaper's image is not on the Docker host.
// Run checks before it creates anything and never pulls.
var ErrReaperUnavailable = harness.ErrReaperUnavailable

// UseOfflineDefaults prepares this process for a Docker host that reaches
// no registry: it sets TESTCONTAINERS_RYUK_DISABLED=true and, for a local
// Docker socket, TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1, unless you set
// them. redisdrill labels everything it creates and removes it itself, so
// it needs no reaper.
//
// This is the one process-wide change the library offers, and only when
// you call it: testcontainers-go reads its configuration from the
// environment once per process, so call it in TestMain or before RunSpecs,
// before any container is created. Run itself never changes the
// environment.
func UseOfflineDefaults() { harness.ApplyTestcontainersDefaults() }
