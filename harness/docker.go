package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/moby/moby/client"
)

// Docker is a connection to the Docker engine used for everything the
// testcontainers-go API does not cover: files of stopped containers, signals,
// pause, network cuts, events, images and pruning.
type Docker struct {
	api   *client.Client
	owner string // LabelOwner value of everything created through this connection
}

// ErrDockerUnreachable is returned when no Docker engine answers.
var ErrDockerUnreachable = errors.New("docker engine not reachable")

// NewDocker connects to the Docker engine named by the environment
// (DOCKER_HOST or the default socket) and checks that it answers. Everything
// created through the connection is labelled LabelOwner with $REDISDRILL_OWNER,
// or with an id generated for this connection when that is unset.
func NewDocker(ctx context.Context) (*Docker, error) {
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
	owner := os.Getenv(EnvOwner)
	if owner == "" {
		owner = NewOwnerID()
	}
	return &Docker{api: api, owner: owner}, nil
}

// NewOwnerID returns a fresh owner id: the process id and random bits.
func NewOwnerID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("p%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
}

// API returns the underlying moby client.
func (d *Docker) API() *client.Client { return d.api }

// Owner returns the LabelOwner value of everything created through d.
func (d *Docker) Owner() string { return d.owner }

// labels returns the labels of a resource of run runID: run, owner and extra.
func (d *Docker) labels(runID string, extra map[string]string) map[string]string {
	l := make(map[string]string, len(extra)+2)
	for k, v := range extra {
		l[k] = v
	}
	l[LabelRun] = runID
	l[LabelOwner] = d.owner
	return l
}

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
