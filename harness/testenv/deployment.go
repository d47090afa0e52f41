package testenv

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/moby/moby/client"

	"github.com/redisdrill/redisdrill/harness"
)

// StartDeployment starts topo for one test (quiet logs) and registers its
// teardown before checking the start error, so a partial deployment is
// removed too. Without Docker it skips, or fails when CI=true
// (RequireDocker).
func StartDeployment(ctx context.Context, tb testing.TB, topo harness.Topology) *harness.Deployment {
	tb.Helper()
	d := RequireDocker(tb)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dep, err := harness.Start(ctx, d, topo, harness.StartOptions{Logger: quiet})
	tb.Cleanup(func() {
		if err := dep.Terminate(context.Background()); err != nil {
			tb.Errorf("terminate: %v", err)
		}
	})
	if err != nil {
		tb.Fatalf("start %s: %v", topo, err)
	}
	return dep
}

// Leftovers counts the containers, volumes and networks carrying label
// (e.g. "redisdrill.run=ID").
func Leftovers(ctx context.Context, tb testing.TB, d *harness.Docker, label string) (containers, volumes, networks int) {
	tb.Helper()
	f := client.Filters{}.Add("label", label)
	cs, err := d.API().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		tb.Fatal(err)
	}
	vs, err := d.API().VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		tb.Fatal(err)
	}
	ns, err := d.API().NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		tb.Fatal(err)
	}
	return len(cs.Items), len(vs.Items), len(ns.Items)
}
