package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/reports"
)

// newRun starts the report of one CLI invocation.
func newRun() reports.Run {
	host, _ := os.Hostname()
	return reports.Run{
		Schema: reports.SchemaVersion, Version: reports.ReadBuildInfo().String(), Start: time.Now().UTC(),
		Host: host, GoVersion: runtime.Version(), Args: os.Args[1:],
	}
}

// resultLine is the one-line progress summary of a finished scenario.
func resultLine(r reports.ScenarioResult) string {
	s := fmt.Sprintf("%s rto=%s detect=%s acked_lost=%d/%d", strings.ToUpper(string(r.Verdict.Status)), rtoText(r), detectText(r), r.Loss.Lost, r.Loss.Acked)
	if lag, ok := archiveLagP99(r); ok {
		s += fmt.Sprintf(" archive_lag_p99=%.0fms", lag)
	}
	if len(r.Verdict.Reasons) > 0 {
		s += " — " + strings.Join(r.Verdict.Reasons, "; ")
	}
	return s
}

// archiveLagP99 is the worst p99 lag of the run's streaming archivers
// (false when it ran none).
func archiveLagP99(r reports.ScenarioResult) (float64, bool) {
	worst, ran := 0.0, false
	for _, a := range r.Archives {
		worst, ran = max(worst, a.LagP99MS), true
	}
	return worst, ran
}

// detectText is the detect time with the engine's detection mode, e.g.
// "160ms (probe)"; native runs have no mode.
func detectText(r reports.ScenarioResult) string {
	if r.DetectMode == "" {
		return r.Detect.String()
	}
	return fmt.Sprintf("%s (%s)", r.Detect, r.DetectMode)
}

func rtoText(r reports.ScenarioResult) string {
	if !r.Ready {
		return "never"
	}
	return r.RTO.String()
}

// finish writes the reports, prints the summary table and, for a kept
// deployment, how to reach it; exit 1 when any scenario did not pass.
func (a *app) finish(run reports.Run, dir string, kept *harness.Deployment) error {
	run.End = time.Now().UTC()
	run = reports.Redact(run, a.secrets...)
	bad := failedCount(run)
	a.printf("\n")
	if err := writeTable(a.stdout, runTableHeader(), runTableRows(run)); err != nil {
		return err
	}
	paths, err := reports.WriteAll(dir, run)
	if err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	a.printf("\nreports: %s\n", strings.Join(paths, " "))
	if kept != nil {
		a.printKept(kept)
	}
	if bad > 0 {
		return failed(fmt.Errorf("%d of %d scenarios did not pass", bad, len(run.Scenarios)))
	}
	return nil
}

// printKept tells how to reach a deployment left running.
func (a *app) printKept(dep *harness.Deployment) {
	a.printf("\nkept deployment %s (%s) on network %s:\n", dep.RunID, dep.Topology.String(), dep.Network())
	for _, n := range dep.AllNodes() {
		a.printf("  %s  %s\n", n.Name(), n.Addr())
	}
	if sentinels := dep.Sentinels(); len(sentinels) > 0 {
		a.printf("sentinels (master name %s):\n", harness.SentinelMaster)
		for _, s := range sentinels {
			a.printf("  %s  %s\n", s.Name(), s.Addr())
		}
		a.printf("ask them: redis-cli -h %s -p 6379 SENTINEL GET-MASTER-ADDR-BY-NAME %s\n", sentinels[0].IP(), harness.SentinelMaster)
	}
	if nodes := dep.Nodes(); len(nodes) > 0 {
		flag := ""
		if dep.Topology.Kind == harness.KindCluster {
			flag = " -c"
		}
		a.printf("reach it: redis-cli%s -h %s -p 6379   (or: docker exec -it %s %s%s)\n", flag, nodes[0].IP(), nodes[0].Name(), dep.Server.CLI, flag)
	}
	a.printf("remove it: redisdrill prune --run %s   (every finished run: redisdrill prune)\n", dep.RunID)
}
