package scenarios_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/harness"
)

// suite holds what every spec shares: the Docker connection and the image.
// Ginkgo suites keep this in a package variable set once in BeforeSuite.
type suite struct {
	docker *harness.Docker
	image  string
	logger *slog.Logger
	// pool starts the next drill's deployment while a drill finishes.
	pool *harness.Pool
}

var shared suite

func TestScenarios(t *testing.T) {
	// This test binary is an entry point: it may set testcontainers'
	// process-wide defaults (the harness never does).
	harness.ApplyTestcontainersDefaults()
	RegisterFailHandler(Fail)
	RunSpecs(t, "redisdrill scenarios")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	shared.logger = slog.New(slog.NewTextHandler(GinkgoWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
	d, err := harness.NewDocker(ctx)
	// No Docker means a red run, never a skipped one.
	Expect(err).NotTo(HaveOccurred(), "the scenario suite needs a Docker engine")
	shared.docker = d
	info, err := harness.EnsureImage(ctx, d, shared.logger)
	Expect(err).NotTo(HaveOccurred())
	shared.image = info.Ref
	AddReportEntry("image", info.Ref, ReportEntryVisibilityNever)
	shared.pool = harness.NewPool(ctx, d, shared.logger)
	DeferCleanup(func() { shared.pool.Close() })
}, NodeTimeout(10*time.Minute))

// startDeployment starts topo for the current spec and registers its
// cleanup (LIFO, runs on failure, timeout and interrupt). On failure the
// node logs are saved under the artifacts directory before teardown.
func startDeployment(ctx context.Context, topo harness.Topology) *harness.Deployment {
	GinkgoHelper()
	dep, err := harness.Start(ctx, shared.docker, topo, harness.StartOptions{Image: shared.image, Logger: shared.logger, Pool: shared.pool})
	DeferCleanup(func(ctx context.Context) {
		if dep == nil {
			return
		}
		if CurrentSpecReport().Failed() {
			saveNodeLogs(ctx, dep)
		}
		Expect(dep.Terminate(ctx)).To(Succeed())
	}, NodeTimeout(2*time.Minute))
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry("deployment ready in", dep.Setup.Ready.Round(time.Millisecond).String())
	return dep
}

// artifactsDir is where specs leave evidence (REDISDRILL_ARTIFACTS, default ./out/artifacts).
func artifactsDir() string {
	if d := os.Getenv("REDISDRILL_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join("..", "out", "artifacts")
}

func saveNodeLogs(ctx context.Context, dep *harness.Deployment) {
	dir := filepath.Join(artifactsDir(), dep.RunID)
	_ = os.MkdirAll(dir, 0o755)
	for _, n := range dep.AllNodes() {
		logs, err := n.Logs(ctx)
		if err != nil {
			continue
		}
		_ = os.WriteFile(filepath.Join(dir, n.Name()+".log"), []byte(logs), 0o644)
	}
	GinkgoWriter.Printf("node logs saved in %s\n", dir)
}
