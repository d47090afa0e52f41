package bench

import (
	"fmt"
	"slices"
)

// Target goals (DESIGN and issue 5).
const (
	promoteMaxMS      = 500.0
	promoteVsNative   = 10.0
	restoreFloorRatio = 1.3
	backupVsRedisCLI  = 0.9
)

// Targets checks the published goals against the measured figures. Goals
// whose cells were not measured are reported "n/a". The restore goal is
// judged at the largest size measured (the goal is stated at 1M keys).
func Targets(r *Result) []Target {
	var out []Target
	sizes := r.sizes()
	for _, k := range sizes {
		p, okP := r.Cell(k, EnginePromote)
		if okP && p.RTO.N > 0 {
			out = append(out, Target{
				Name: fmt.Sprintf("engine promote median @%s keys", human(k)), Goal: fmt.Sprintf("<= %.1f s", promoteMaxMS/1000),
				Measured: fmt.Sprintf("%.3f s", p.RTO.Median/1000), Met: yes(p.RTO.Median <= promoteMaxMS),
			})
		}
		n, okN := r.Cell(k, NativeFailover)
		if okP && okN && p.RTO.N > 0 && n.RTO.N > 0 {
			x := Ratio(n.RTO.Median, p.RTO.Median)
			out = append(out, Target{
				Name: fmt.Sprintf("promote vs native failover @%s keys, node-timeout %d ms", human(k), r.Config.NodeTimeout.Milliseconds()),
				Goal: fmt.Sprintf(">= %.0fx faster", promoteVsNative), Measured: fmt.Sprintf("%.1fx (%.2f s vs %.2f s)", x, p.RTO.Median/1000, n.RTO.Median/1000),
				Met: yes(x >= promoteVsNative),
			})
		}
	}
	if len(sizes) > 0 {
		k := sizes[len(sizes)-1]
		for _, s := range []string{ReplaceFromRDB, ReplaceWarm, ReplaceFromAOF} {
			c, ok := r.Cell(k, s)
			if !ok || c.RTO.N == 0 {
				continue
			}
			t := Target{Name: fmt.Sprintf("%s vs its floor @%s keys", s, human(k)), Goal: fmt.Sprintf("<= %.1fx floor", restoreFloorRatio), Met: "n/a", Measured: "no floor measured"}
			if c.FloorMS > 0 {
				t.Measured = fmt.Sprintf("%.2fx (%.2f s vs floor %.2f s)", c.FloorRatio, c.RTO.Median/1000, c.FloorMS/1000)
				t.Met = yes(c.FloorRatio <= restoreFloorRatio)
			}
			out = append(out, t)
		}
	}
	for _, b := range r.Backups {
		if b.Ours.N == 0 || b.RedisCLI.N == 0 {
			continue
		}
		out = append(out, Target{
			Name: fmt.Sprintf("backup throughput vs redis-cli --rdb @%s keys", human(b.Keys)), Goal: fmt.Sprintf(">= %.1fx", backupVsRedisCLI),
			Measured: fmt.Sprintf("%.2fx (%.0f vs %.0f MB/s)", b.Ratio, b.OursMBps, b.RedisCLIMBps), Met: yes(b.Ratio >= backupVsRedisCLI),
		})
	}
	return out
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// sizes returns the dataset sizes seen in cells, floors and backups, ascending.
func (r *Result) sizes() []int {
	var out []int
	add := func(k int) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	for _, k := range r.Config.Keys {
		add(k)
	}
	for _, c := range r.Cells {
		add(c.Keys)
	}
	slices.Sort(out)
	return out
}

// human prints a key count as 2000, 100k or 1M.
func human(k int) string {
	switch {
	case k >= 1_000_000 && k%1_000_000 == 0:
		return fmt.Sprintf("%dM", k/1_000_000)
	case k >= 1000 && k%1000 == 0 && k < 1_000_000:
		return fmt.Sprintf("%dk", k/1000)
	}
	return fmt.Sprint(k)
}
