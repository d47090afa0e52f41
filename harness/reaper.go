package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/testcontainers/testcontainers-go"
)

// ErrReaperUnavailable is returned by Start when testcontainers-go would
// start its Ryuk reaper but the reaper's image is not on the Docker host.
// redisdrill never pulls an image, and a pull attempt without a registry
// only hangs in retries, so Start refuses before creating anything.
var ErrReaperUnavailable = errors.New("testcontainers' Ryuk reaper cannot start")

// CheckReaper fails fast when testcontainers-go is configured to run Ryuk
// (TESTCONTAINERS_RYUK_DISABLED unset or false, no ryuk.disabled in
// ~/.testcontainers.properties) and its image is missing locally. The
// process environment is read, never written: the CLI and redisdrill's own
// test binaries apply ApplyTestcontainersDefaults at their entry points;
// a library user decides for their own process.
func CheckReaper(ctx context.Context, d *Docker) error {
	if testcontainers.ReadConfig().RyukDisabled {
		return nil
	}
	image := testcontainers.ReaperDefaultImage //nolint:staticcheck // the only exported name of the reaper image
	ok, err := imagePresent(ctx, d, image)
	if err != nil {
		return fmt.Errorf("check reaper image: %w", err)
	}
	if ok {
		return nil
	}
	return fmt.Errorf("%w: its image %s is not on this Docker host and redisdrill never pulls; "+
		"run `docker pull %s` where a registry is reachable, or set TESTCONTAINERS_RYUK_DISABLED=true "+
		"(redisdrill labels everything it creates and removes it itself; `redisdrill prune` clears leftovers)",
		ErrReaperUnavailable, image, image)
}
