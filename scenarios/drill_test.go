package scenarios_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/detect"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/audit"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// Every registry entry becomes a spec: run it for real, then assert what
// Redis and the engine actually did. Engine scenarios whose failure a
// sidecar can see (ProbeDetectable) run a second time in probe mode: no
// Docker events, no Docker container state in the engine's decisions.
// The specs run in the order written (Ordered), each one even when an
// earlier one failed (ContinueOnFailure), so each can have the suite's
// pool start the next one's deployment while it finishes.
var _ = Describe("drill", Ordered, ContinueOnFailure, func() {
	var q queue
	for _, sc := range scenarios.All() {
		labels := sc.AllLabels()
		at := q.add("drill "+sc.Name, labels, &harness.Spec{Topology: sc.Topology})
		It(sc.Name, Label(labels...), func(ctx SpecContext) {
			res := runDrill(ctx, sc, sc.Plan(), q.nextAfter(at))
			if sc.Expect.NoAction {
				expectStallOnly(res)
			}
		}, SpecTimeout(4*time.Minute))
		if sc.Recovery == scenarios.Engine && sc.ProbeDetectable {
			probeLabels := append(sc.AllLabels(), "detect:probe")
			at := q.add("drill "+sc.Name+" [probe]", probeLabels, &harness.Spec{Topology: sc.Topology})
			It(sc.Name+" [probe]", Label(probeLabels...), func(ctx SpecContext) {
				p := sc.Plan().WithDetectMode(detect.ModeProbe)
				p.Name += "-probe" // its own evidence folder
				res := runDrill(ctx, sc, p, q.nextAfter(at))
				Expect(res.DetectMode).To(Equal(string(detect.ModeProbe)))
				if sc.Expect.NoAction {
					expectStallOnly(res)
					return
				}
				Expect(res.Detect).To(BeNumerically(">", 0), "detection must be measured")
			}, SpecTimeout(4*time.Minute))
		}
	}
})

// runDrill carries out one plan of a scenario on the suite's image and
// asserts the verdict, the audit's re-derivation and the clock; it returns
// the result. next is the deployment of the spec that runs after it (its
// image empty for the suite's), started ahead by the suite's pool.
func runDrill(ctx SpecContext, sc scenarios.Scenario, p session.Plan, next *harness.Spec) reports.ScenarioResult {
	GinkgoHelper()
	if next != nil && next.Image == "" {
		next = &harness.Spec{Topology: next.Topology, Image: shared.image}
	}
	return runDrillOn(ctx, sc, p, session.Env{Image: shared.image, OutDir: artifactsDir(), Next: next})
}

// runDrillOn is runDrill with env's image, server and evidence folder.
func runDrillOn(ctx SpecContext, sc scenarios.Scenario, p session.Plan, env session.Env) reports.ScenarioResult {
	GinkgoHelper()
	env.Docker, env.Logger, env.Seed, env.Pool = shared.docker, shared.logger, GinkgoRandomSeed(), shared.pool
	out, err := session.Run(ctx, env, p)
	Expect(err).NotTo(HaveOccurred())
	res := out.Result
	drillResults = append(drillResults, res)
	reportFigures(res, out)

	// The one checker decides; the audit, with its own code, re-judges
	// the same verdict from the evidence files alone.
	Expect(res.Verdict.Status).To(Equal(reports.StatusPass), "verdict reasons: %v", res.Verdict.Reasons)
	By("re-judging the verdict from the evidence files alone")
	a := audit.ScenarioAt(res.Artifacts.Dir, res)
	Expect(a.Diffs).To(BeEmpty(), "the audit disagrees with the result")
	Expect(a.Status).To(Equal(res.Verdict.Status), "the audit's reasons: %v", a.Verdict.Reasons)

	By("re-deriving every figure from the evidence files alone")
	f, err := audit.Recompute(res.Artifacts.Dir)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Ready).To(Equal(res.Ready))
	Expect(reports.Millis(f.RTO)).To(Equal(res.RTO), "RTO from probe.jsonl")
	Expect(int64(f.Acked)).To(Equal(res.Loss.Acked), "acked from ledger.jsonl")
	Expect(int64(f.AckedBeforeFault)).To(Equal(res.AckedBeforeFault))
	Expect(int64(f.Lost)).To(Equal(res.Loss.Lost), "lost from ledger.jsonl + finalread.jsonl")
	By("checking the clock: the RTO covers what clients saw")
	if !f.FirstFailure.IsZero() {
		Expect(f.ClientOutage-f.RTO).To(BeNumerically("<=", session.ClockTolerance),
			"first failure at t0%+v, t_ready at t0+%v", f.FirstFailure.Sub(f.T0), f.RTO)
	}
	return res
}

// expectStallOnly checks a no-action drill: the detector saw the stall
// (the freeze was visible to it) and judged nothing down.
func expectStallOnly(res reports.ScenarioResult) {
	GinkgoHelper()
	Expect(res.Detect).To(BeZero(), "no failure may be detected")
	events, err := os.ReadFile(res.Artifacts.Events)
	Expect(err).NotTo(HaveOccurred())
	Expect(string(events)).To(ContainSubstring(`"kind":"stall"`), "the detector must have seen the freeze as a stall")
	Expect(string(events)).NotTo(ContainSubstring(`"kind":"unreachable"`), "a stall shorter than the window must not be judged down")
}

// drillResults collects every drill spec's result for the suite's own
// redisdrill reports (Ginkgo runs specs serially here).
var drillResults []reports.ScenarioResult

// The same result model the CLI writes, from the Ginkgo run: report.json,
// junit.xml, summary.md and report.html next to Ginkgo's own reports.
var _ = ReportAfterSuite("redisdrill reports", func(r Report) {
	if len(drillResults) == 0 {
		return
	}
	run := reports.Run{
		Schema: reports.SchemaVersion, Version: reports.ReadBuildInfo().String(), Start: r.StartTime, End: r.EndTime,
		GoVersion: runtime.Version(), Scenarios: drillResults,
	}
	run.Host, _ = os.Hostname()
	dir := filepath.Join(filepath.Dir(artifactsDir()), "specs")
	paths, err := reports.WriteAll(dir, run)
	if err != nil {
		GinkgoWriter.Printf("cannot write redisdrill reports: %v\n", err)
		return
	}
	fmt.Fprintf(GinkgoWriter, "redisdrill reports: %v\n", paths)
})

// reportFigures prints and attaches the figures a reader wants.
func reportFigures(res reports.ScenarioResult, out *session.Outcome) {
	line := fmt.Sprintf("%s: RTO %s (client-visible outage %s, detect %s%s, strategy %s), ops ok/fail/unknown %d/%d/%d, acked lost %d, recovered %d",
		res.Name, res.RTO, res.ClientOutage, res.Detect, modeText(res.DetectMode), res.Strategy, res.Ops.OK, res.Ops.Fail, res.Ops.Unknown, res.Loss.Lost, res.Loss.Recovered)
	GinkgoWriter.Println(line)
	AddReportEntry("RTO", res.RTO.String())
	AddReportEntry("acked writes lost", res.Loss.Lost)
	AddReportEntry("summary", line)
	for _, s := range res.Spans {
		AddReportEntry("span "+s.Name, s.Duration().String())
	}
	for _, rep := range out.Recoveries {
		for _, o := range rep.Observations {
			AddReportEntry("observed", o)
		}
		for name, est := range rep.Estimates {
			AddReportEntry("estimate "+name, fmt.Sprintf("applicable=%v lost=%d: %s", est.Applicable, est.LostKeys, est.Why))
		}
		for _, s := range rep.Spans {
			AddReportEntry("span detail "+s.Name, s.Detail)
		}
	}
}

func modeText(mode string) string {
	if mode == "" {
		return ""
	}
	return " in " + mode + " mode"
}
