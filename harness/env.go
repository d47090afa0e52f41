package harness

import (
	"os"
	"strings"
)

// Environment variables redisdrill reads.
const (
	// EnvImage selects the Redis image to run instead of the locally built one.
	EnvImage = "REDISDRILL_IMAGE"
	// EnvMirror selects the Debian mirror used to build the image.
	EnvMirror = "REDISDRILL_DEBIAN_MIRROR"
	// EnvKeep leaves containers running after a run when set to 1.
	EnvKeep = "REDISDRILL_KEEP"
	// EnvOwner names the owner every resource is labelled with (LabelOwner);
	// a fresh id per Docker connection when unset. Test binaries set it once
	// per process so an interrupt handler can remove what the process made.
	EnvOwner = "REDISDRILL_OWNER"
)

// Labels on every container, network and volume redisdrill creates.
const (
	// LabelRun carries the run id (one deployment).
	LabelRun = "redisdrill.run"
	// LabelOwner carries the owner id (one process, or one Docker
	// connection): everything a process created, across runs.
	LabelOwner = "redisdrill.owner"
)

// ApplyTestcontainersDefaults sets the testcontainers-go variables redisdrill
// needs on a machine with no registry access, unless the user set them:
// TESTCONTAINERS_RYUK_DISABLED=true (Ryuk is an image pull; redisdrill
// labels and removes what it creates itself) and, for a local Docker
// socket, TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1. testcontainers-go reads
// its configuration from the environment once per process, so this is
// process-wide and belongs at a program's entry point, before any container
// is created: the CLI and redisdrill's test binaries call it; the harness
// and the library never do (Start checks the configuration and explains
// what to set instead, ErrReaperUnavailable). A variable already set is
// never changed.
func ApplyTestcontainersDefaults() {
	setDefault("TESTCONTAINERS_RYUK_DISABLED", "true")
	if os.Getenv("DOCKER_HOST") == "" || strings.HasPrefix(os.Getenv("DOCKER_HOST"), "unix://") {
		setDefault("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
}

func setDefault(key, value string) {
	if _, ok := os.LookupEnv(key); !ok {
		_ = os.Setenv(key, value)
	}
}
