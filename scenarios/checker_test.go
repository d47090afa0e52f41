package scenarios_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios"
	"github.com/redisdrill/redisdrill/scenarios/audit"
	"github.com/redisdrill/redisdrill/scenarios/session"
)

// The checker must be able to fail: each defect planted into a real run
// flips its verdict, and the independent audit sees the same figures.
var _ = Describe("checker", Label("checker"), func() {
	It("fails a real run on each planted defect", func(ctx SpecContext) {
		sc, err := scenarios.Find("primary-kill-engine")
		Expect(err).NotTo(HaveOccurred())
		p := sc.Plan()
		p.Name = "checker-planted-defects"
		var deleted, rewritten string
		p.BeforeFinalRead = func(ctx context.Context, dep session.Deployment, ledger *workload.Ledger) error {
			var acked []workload.Op
			for _, op := range ledger.Ops() {
				if op.Outcome == workload.OK {
					acked = append(acked, op)
				}
			}
			if len(acked) < 2 {
				return fmt.Errorf("only %d acked writes", len(acked))
			}
			c := dep.Client(harness.ClientOptions{})
			defer c.Close()
			deleted, rewritten = acked[0].Key, acked[len(acked)/2].Key
			if err := c.Del(ctx, deleted).Err(); err != nil {
				return err
			}
			return c.Set(ctx, rewritten, "planted|wrong value", 0).Err()
		}
		out, err := session.Run(ctx, session.Env{Docker: shared.docker, Image: shared.image, Logger: shared.logger, OutDir: artifactsDir(), Seed: 3}, p)
		Expect(err).NotTo(HaveOccurred())
		res, ev := out.Result, out.Evidence

		By("a deleted acked key and a wrong value fail the run")
		Expect(res.Verdict.Status).To(Equal(reports.StatusFail))
		Expect(res.Verdict.Reasons).To(ContainElement("acked_lost 2 > acked_lost_max 0"))
		Expect(ev.FinalRead.LostMissing).To(Equal(1))
		Expect(ev.FinalRead.LostWrongValue).To(Equal(1))
		f, err := audit.Recompute(res.Artifacts.Dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(f.LostKeys).To(ConsistOf(deleted, rewritten), "the audit finds the same two keys from the files alone")
		Expect(f.LostMissing).To(Equal(1))
		Expect(f.LostWrongValue).To(Equal(1))

		// The rest re-judges the same real evidence with one thing changed.
		clean := ev
		clean.FinalRead.Lost, clean.FinalRead.LostMissing, clean.FinalRead.LostWrongValue = 0, 0, 0
		Expect(session.Judge(clean, p.Expect).Status).To(Equal(reports.StatusPass), "without the planted keys the run passes")

		By("an RTO past its bound fails the run")
		late := clean
		bound := reports.Millis(ev.RTO.D() - time.Millisecond)
		late.Thresholds.RTOMax = &bound
		v := session.Judge(late, p.Expect)
		Expect(v.Status).To(Equal(reports.StatusFail))
		Expect(strings.Join(v.Reasons, ";")).To(ContainSubstring("> rto_max"))

		By("too little traffic before the fault makes the run invalid")
		thin := clean
		need := int64(ev.AckedBeforeFault + 1)
		thin.Thresholds.MinAckedBeforeFault = &need
		Expect(session.Judge(thin, p.Expect).Status).To(Equal(reports.StatusInvalid))

		By("restoring an older backup than the newest one that verifies fails the run")
		old := clean
		shard := 0
		t := ev.T0.Add(-time.Second)
		old.Catalog = []session.CatalogEntry{
			{ID: "older", Kind: backup.KindLiveRDB, Shard: &shard, Time: t.Add(-time.Second), Verified: true},
			{ID: "newer", Kind: backup.KindLiveRDB, Shard: &shard, Time: t, Verified: true},
		}
		rep := *ev.Recoveries[0]
		rep.BackupID = "older"
		old.Recoveries = append([]*recovery.Report{&rep}, ev.Recoveries[1:]...)
		v = session.Judge(old, p.Expect)
		Expect(v.Status).To(Equal(reports.StatusFail))
		Expect(strings.Join(v.Reasons, ";")).To(ContainSubstring("although the newer newer"))

		By("a wrong clock fails the run")
		skew := clean
		skew.ClientOutage = ev.RTO + reports.Millis(session.ClockTolerance) + reports.Millis(time.Millisecond)
		Expect(session.Judge(skew, p.Expect).Status).To(Equal(reports.StatusFail))

		By("a run without a final read is invalid")
		noRead := clean
		noRead.NotReadyAfterHeal = "planted"
		Expect(session.Judge(noRead, p.Expect).Status).To(Equal(reports.StatusInvalid))
	}, SpecTimeout(3*time.Minute))
})
