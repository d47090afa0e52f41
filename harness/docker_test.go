package harness

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireDocker is testenv.RequireDocker for package harness's own tests
// (which cannot import testenv): skip without Docker or with -short, but
// never when CI=true — then fail.
func requireDocker(t *testing.T, ctx context.Context) *Docker {
	t.Helper()
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	if testing.Short() && !ci {
		t.Skip("needs Docker (skipped with -short)")
	}
	d, err := NewDocker(ctx)
	switch {
	case err == nil:
	case ci:
		t.Fatalf("needs Docker (CI=true never skips): %v", err)
	case errors.Is(err, ErrDockerUnreachable):
		t.Skipf("needs Docker: %v", err)
	default:
		t.Fatalf("connect docker: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestNewDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := NewDocker(ctx)
	if !errors.Is(err, ErrDockerUnreachable) {
		t.Fatalf("err = %v, want ErrDockerUnreachable", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

func TestEnsureImageUnknownImage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := requireDocker(t, ctx)
	t.Setenv(EnvImage, "redisdrill/does-not-exist:0")
	_, err := EnsureImage(ctx, d, slog.Default())
	if err == nil || !strings.Contains(err.Error(), "not present locally") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one clear line", err)
	}
}

func TestStartRejectsImpossibleTopology(t *testing.T) {
	ctx := context.Background()
	_, err := Start(ctx, nil, Topology{Kind: KindCluster, Primaries: 0, NodeTimeout: time.Second}, StartOptions{})
	if err == nil || !strings.Contains(err.Error(), "at least 1 primary") {
		t.Fatalf("err = %v", err)
	}
}
