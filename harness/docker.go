package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// Docker is a connection to the Docker engine used for everything the
// testcontainers-go API does not cover: files of stopped containers, signals,
// pause, network cuts, events, images and pruning.
type Docker struct {
	api *client.Client
}

// ErrDockerUnreachable is returned when no Docker engine answers.
var ErrDockerUnreachable = errors.New("docker engine not reachable")

// NewDocker connects to the Docker engine named by the environment
// (DOCKER_HOST or the default socket) and checks that it answers.
func NewDocker(ctx context.Context) (*Docker, error) {
	ApplyTestcontainersDefaults()
	api, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("create docker client: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := api.Ping(pingCtx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = api.Close()
		return nil, fmt.Errorf("%w (is dockerd running and is DOCKER_HOST right?): %v", ErrDockerUnreachable, firstLine(err.Error()))
	}
	return &Docker{api: api}, nil
}

// API returns the underlying moby client.
func (d *Docker) API() *client.Client { return d.api }

// Close releases the connection.
func (d *Docker) Close() error { return d.api.Close() }

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
