package scenarios_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
)

// Every registry entry becomes a spec: run it for real, then assert what
// Redis and the engine actually did.
var _ = Describe("drill", func() {
	for _, sc := range scenarios.All() {
		It(sc.Name, Label(sc.AllLabels()...), func(ctx SpecContext) {
			out, err := scenarios.Run(ctx, scenarios.Env{
				Docker: shared.docker, Image: shared.image, Logger: shared.logger,
				OutDir: artifactsDir(), Seed: GinkgoRandomSeed(),
			}, sc)
			Expect(err).NotTo(HaveOccurred())
			res := out.Result
			drillResults = append(drillResults, res)
			reportFigures(res, out)

			Expect(res.Error).To(BeEmpty(), "recovery error")
			Expect(res.AckedBeforeFault).To(BeNumerically(">=", 100), "too little traffic before the fault: the run would prove nothing")
			Expect(res.Ready).To(BeTrue(), "every shard must take writes again")
			if sc.Expect.AckedLostMax >= 0 {
				Expect(res.Loss.Lost).To(BeNumerically("<=", sc.Expect.AckedLostMax), "acked writes lost: %v", out.Check.LostKeys)
			}
			if sc.Expect.Strategy != "" {
				Expect(out.Recovery).NotTo(BeNil())
				Expect(out.Recovery.Strategy).To(Equal(sc.Expect.Strategy))
			}
			if sc.Expect.Incident != "" {
				Expect(out.Recovery.Incident).To(Equal(sc.Expect.Incident))
			}
			if out.Recovery != nil {
				Expect(out.Recovery.Verified).To(BeTrue(), "engine verification")
			}
			if sc.Expect.LossOnlyAfter > 0 && res.Loss.Lost > 0 {
				// #TS annotations have 1 s granularity: the target second is kept whole.
				target := res.T0.Add(-sc.Expect.LossOnlyAfter).Truncate(time.Second)
				Expect(out.Check.OldestLost).To(BeTemporally(">=", target), "a write acked before the rollback target was lost")
			}
			if sc.Expect.LossOnlyAfterBackup {
				Expect(out.Recovery.BackupTime.IsZero()).To(BeFalse(), "the engine must say which backup it restored")
				AddReportEntry("restored backup", fmt.Sprintf("%s (started %s)", out.Recovery.BackupID, out.Recovery.BackupTime.Format(time.TimeOnly)))
				if res.Loss.Lost > 0 {
					Expect(out.Check.OldestLost).To(BeTemporally(">=", out.Recovery.BackupTime.Add(-50*time.Millisecond)),
						"a write acked before the restored backup was taken is lost")
				}
			}
			if out.CorruptedBackup != "" {
				fetch := spanDetail(out, "fetch backup")
				Expect(fetch).NotTo(BeEmpty())
				Expect(fetch).NotTo(ContainSubstring(out.CorruptedBackup), "the corrupted backup must be skipped")
			}
			Expect(res.Verdict.Status).To(Equal(reports.StatusPass), "verdict reasons: %v", res.Verdict.Reasons)

			By("re-deriving every figure from the saved artifacts")
			d, err := scenarios.Rederive(filepath.Dir(res.Artifacts.Ledger))
			Expect(err).NotTo(HaveOccurred())
			Expect(d.Ready).To(Equal(res.Ready))
			Expect(d.RTO).To(Equal(res.RTO.D()), "RTO from probe.jsonl")
			Expect(int64(d.Acked)).To(Equal(res.Loss.Acked), "acked from ledger.jsonl")
			Expect(int64(d.AckedBeforeFault)).To(Equal(res.AckedBeforeFault))
			Expect(int64(d.Lost)).To(Equal(res.Loss.Lost))
		}, SpecTimeout(4*time.Minute))
	}
})

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
		Schema: reports.SchemaVersion, Version: "dev", Start: r.StartTime, End: r.EndTime,
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
func reportFigures(res reports.ScenarioResult, out *scenarios.Outcome) {
	line := fmt.Sprintf("%s: RTO %s (detect %s, strategy %s), ops ok/fail/unknown %d/%d/%d, acked lost %d, recovered %d",
		res.Name, res.RTO, res.Detect, res.Strategy, res.Ops.OK, res.Ops.Fail, res.Ops.Unknown, res.Loss.Lost, res.Loss.Recovered)
	GinkgoWriter.Println(line)
	AddReportEntry("RTO", res.RTO.String())
	AddReportEntry("acked writes lost", res.Loss.Lost)
	AddReportEntry("summary", line)
	for _, s := range res.Spans {
		AddReportEntry("span "+s.Name, s.Duration().String())
	}
	for _, o := range out.Observations {
		AddReportEntry("observed", o)
	}
	if out.Recovery != nil {
		for name, est := range out.Recovery.Estimates {
			AddReportEntry("estimate "+name, fmt.Sprintf("applicable=%v lost=%d: %s", est.Applicable, est.LostKeys, est.Why))
		}
		for _, s := range out.Recovery.Spans {
			AddReportEntry("span detail "+s.Name, s.Detail)
		}
	}
}

// spanDetail returns the detail of the engine span with the given name.
func spanDetail(out *scenarios.Outcome, name string) string {
	if out.Recovery == nil {
		return ""
	}
	for _, s := range out.Recovery.Spans {
		if s.Name == name {
			return s.Detail
		}
	}
	return ""
}
