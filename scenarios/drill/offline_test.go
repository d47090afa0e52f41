package drill_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/redisdrill/redisdrill/harness/testenv"
	"github.com/redisdrill/redisdrill/scenarios/drill"
)

const reaperChildEnv = "REDISDRILL_TEST_REAPER_CHILD"

// TestRunLeavesEnvironmentAlone runs Run in a child process whose
// testcontainers configuration asks for Ryuk (TESTCONTAINERS_RYUK_DISABLED
// =false, so no default applies) on a Docker host without the Ryuk image:
// Run must refuse with ErrReaperUnavailable before creating anything, and
// must not change the process environment.
func TestRunLeavesEnvironmentAlone(t *testing.T) {
	if os.Getenv(reaperChildEnv) == "1" {
		reaperChild(t)
		return
	}
	testenv.RequireDocker(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRunLeavesEnvironmentAlone$", "-test.v")
	cmd.Env = append(withoutTestcontainersEnv(os.Environ()), reaperChildEnv+"=1", "TESTCONTAINERS_RYUK_DISABLED=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("child skipped:\n%s", out)
	}
}

func reaperChild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	docker := testenv.RequireDocker(t)
	if _, err := docker.API().ImageInspect(ctx, testcontainers.ReaperDefaultImage); err == nil { //nolint:staticcheck // the reaper image's only exported name
		t.Skipf("the Ryuk image %s is on this Docker host: Run would start it", testcontainers.ReaperDefaultImage) //nolint:staticcheck
	}
	before := os.Environ()
	start := time.Now()
	d, err := drill.Run(ctx)
	defer func() { _ = d.Terminate(context.Background()) }()
	if !errors.Is(err, drill.ErrReaperUnavailable) {
		t.Fatalf("Run with Ryuk enabled and no Ryuk image: err = %v, want ErrReaperUnavailable", err)
	}
	t.Logf("refused in %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !strings.Contains(err.Error(), "TESTCONTAINERS_RYUK_DISABLED=true") {
		t.Errorf("error does not say what to set: %v", err)
	}
	after := os.Environ()
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Errorf("Run changed the process environment:\nbefore %q\nafter  %q", before, after)
	}
}

func withoutTestcontainersEnv(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "TESTCONTAINERS_")
	})
}
