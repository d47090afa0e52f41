package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// The engine behind its seam, on the second provider: every engine
// scenario that can run on local server processes (its fault needs no
// container, its topology no Sentinel) runs again there, no Docker in the
// loop, under the same checker and audit — in probe mode where a sidecar
// can see the failure (what production has), else in auto mode (the
// supervisor's own events).
var _ = Describe("drill on processes", Ordered, ContinueOnFailure, func() {
	for _, sc := range scenarios.All() {
		if sc.Recovery != scenarios.Engine || sc.NotOnProcesses() != "" {
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
