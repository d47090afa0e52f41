package scenarios_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Environment of the server matrix specs.
const (
	// envMatrix lists the servers the matrix specs run on (comma-separated
	// names or aliases, or "all"); unset or empty runs none.
	envMatrix = "REDISDRILL_MATRIX"
	// envMatrixScenarios lists the scenarios they run (comma-separated, or
	// "all"); unset runs matrixScenarios.
	envMatrixScenarios = "REDISDRILL_MATRIX_SCENARIOS"
)

// matrixScenarios is what `make test` runs on every server: the smoke
// scenario, a promote, a replace, a corruption, a standalone restore and
// the Sentinel smoke (Sentinel's own failover, with the server's own
// Sentinel from the same Debian suite).
var matrixScenarios = []string{"smoke-primary-kill-native", "primary-kill-engine", "shard-lost-replace", "rdb-bitflip-restore", "standalone-rdb-bitflip-restore", "sentinel-primary-kill-native"}

// The server matrix: each selected scenario on each server of
// $REDISDRILL_MATRIX, judged by its per-server rules (ForServer). A
// scenario a server cannot run must come back skipped with its reason;
// one that runs must pass, on the server it names, at that server's
// version. Ordered and ContinueOnFailure as the drill specs are, for the
// same reason (the pool).
var _ = Describe("server matrix", Ordered, ContinueOnFailure, func() {
	servers, err := matrixServers()
	if err != nil {
		It("parses "+envMatrix, func() { Fail(err.Error()) })
		return
	}
	list, err := matrixScenarioList()
	if err != nil {
		It("parses "+envMatrixScenarios, func() { Fail(err.Error()) })
		return
	}
	var q queue
	for _, srv := range servers {
		for _, sc := range list {
			labels := append(sc.AllLabels(), "matrix", "server:"+srv.Name)
			at := q.add("server matrix "+sc.Name+" on "+srv.Name, labels, sc.DeploymentOn(srv, srv.ImageRef()))
			It(sc.Name+" on "+srv.Name, Label(labels...), func(ctx SpecContext) {
				img, err := harness.EnsureServerImage(ctx, shared.docker, srv, shared.logger)
				Expect(err).NotTo(HaveOccurred())
				env := session.Env{Image: img.Ref, Server: img.Server, OutDir: filepath.Join(artifactsDir(), srv.Name), Next: q.nextAfter(at)}
				run, rule := sc.ForServer(srv)
				if rule != nil && rule.Skip != "" {
					out, err := scenarios.Run(ctx, session.Env{Docker: shared.docker, Image: img.Ref, Server: img.Server}, sc)
					Expect(err).NotTo(HaveOccurred())
					Expect(out.Result.Verdict.Status).To(Equal(reports.StatusSkip))
					Expect(out.Result.Verdict.Reasons).To(ContainElement(ContainSubstring(rule.Skip)))
					AddReportEntry("skipped on "+srv.Name, rule.Skip)
					return
				}
				res := runDrillOn(ctx, run, run.Plan(), env)
				Expect(res.Server).To(Equal(srv.Name))
				Expect(res.ServerVersion).NotTo(BeEmpty(), "the server's version from INFO server")
				Expect(res.ServerVersion).To(Equal(img.Version), "INFO server agrees with the image's version")
			}, SpecTimeout(5*time.Minute))
		}
	}
})

func matrixServers() ([]harness.Server, error) {
	v := strings.TrimSpace(os.Getenv(envMatrix))
	switch v {
	case "":
		return nil, nil
	case "all":
		return harness.Servers(), nil
	}
	return harness.ParseServers(v)
}

func matrixScenarioList() ([]scenarios.Scenario, error) {
	v := strings.TrimSpace(os.Getenv(envMatrixScenarios))
	if v == "all" {
		return scenarios.All(), nil
	}
	names := matrixScenarios
	if v != "" {
		names = strings.Split(v, ",")
	}
	return scenarios.Select(slices.Clone(names), "")
}
