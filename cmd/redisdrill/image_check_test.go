package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/redisdrill/redisdrill/harness"
)

func TestImageCheckUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"image", "--check"}, "flag needs an argument: --check"},
		{[]string{"image", "--check", ""}, "redisdrill image: flag --check must not be empty"},
		{[]string{"image", "--check", "x", "extra"}, `unknown command "extra"`},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.code != exitUsage {
			t.Fatalf("%v: want exit 2\n%s", tc.args, r)
		}
		oneErrorLine(t, r, tc.want)
	}
}

// TestImageCheckDefaultImage: the default image (built when missing)
// meets every requirement, and the check leaves no container behind.
func TestImageCheckDefaultImage(t *testing.T) {
	d := docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t.Setenv(harness.EnvImage, "")
	if _, err := harness.EnsureImage(ctx, d, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("ensure default image: %v", err)
	}
	r := runCLI(t, nil, "image", "--check", harness.DefaultImage)
	if r.code != exitOK {
		t.Fatalf("default image does not qualify\n%s", r)
	}
	for _, want := range []string{"sh ok", "redis-server ok", "redis 7.0+ ok", "redis-cli ok", "ip ok", "tc ok", "nft ok", "file tools ok",
		harness.DefaultImage + " qualifies to run drills: every requirement is met"} {
		if !strings.Contains(r.stdout, want+"\n") && !strings.Contains(r.stdout, want+" (") {
			t.Errorf("output lacks %q\n%s", want, r)
		}
	}
	if strings.Contains(r.stdout, "missing") {
		t.Errorf("a requirement is missing\n%s", r)
	}
	f := client.Filters{}.Add("label", "redisdrill.role=image-check").Add("label", harness.LabelOwner+"="+os.Getenv(harness.EnvOwner))
	cs, err := d.API().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Items) != 0 {
		t.Errorf("%d image check containers left behind", len(cs.Items))
	}
}

func TestImageCheckNotLocal(t *testing.T) {
	docker(t)
	const ref = "redisdrill/does-not-exist:0"
	r := runCLI(t, nil, "image", "--check", ref)
	if r.code != exitUsage {
		t.Fatalf("want exit 2\n%s", r)
	}
	oneErrorLine(t, r, "image "+ref+" not found locally; build it or docker pull it first")
}
