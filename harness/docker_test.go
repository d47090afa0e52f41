package harness

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

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
	d, err := NewDocker(ctx)
	if err != nil {
		t.Fatalf("this test needs Docker: %v", err)
	}
	defer d.Close()
	t.Setenv(EnvImage, "redisdrill/does-not-exist:0")
	_, err = EnsureImage(ctx, d, slog.Default())
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
