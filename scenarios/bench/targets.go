package bench

import (
	"fmt"
	"slices"
)

// Target goals the bench checks: the engine's median promote RTO at most
// promoteMaxMS and at least promoteVsNative times faster than Redis's own
// failover on a crash (silentVsNative on silence), each restore at most
// restoreFloorRatio times its own floor, and backup throughput at least
// backupVsRedisCLI times that of redis-cli --rdb.
const (
	promoteMaxMS    = 500.0
	promoteVsNative = 10.0
	// silentVsNative: on silence the engine must wait its detect window
	// (1.5 s) before it may act, so the goal is lower than on a crash.
	silentVsNative = 2.0
	// sentinelVsNative: issue 24's goal for a failover through Sentinel
	// against Sentinel's own on a crash, at equal down-after-milliseconds
	// (on silence the cluster's silentVsNative applies: the detect window
	// comes first there too).
	sentinelVsNative  = 3.0
	restoreFloorRatio = 1.3
	backupVsRedisCLI  = 0.9
)

// Targets checks the published goals against the measured figures. Goals
// whose cells were not measured are reported "n/a". Each restore is judged
// against its own floor (OwnFloor: cold = copy + container start + raw
// load, warm = copy + raw load) at every size measured.
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
		out = append(out, r.versusNative(k, EnginePromote, NativeFailover, "crash", promoteVsNative)...)
		out = append(out, r.versusNative(k, EngineSilent, NativeSilent, "silence", silentVsNative)...)
		out = append(out, r.versusNative(k, SentinelEngine, SentinelNative, "crash", sentinelVsNative)...)
		out = append(out, r.versusNative(k, SentinelEngineSilent, SentinelNativeSilent, "silence", silentVsNative)...)
	}
	for _, k := range sizes {
		for _, s := range []string{ReplaceFromRDB, ReplaceWarm, ReplaceFromAOF, ReplaceAOFWarm} {
			c, ok := r.Cell(k, s)
			if !ok || c.RTO.N == 0 {
				continue
			}
			_, path := OwnFloor(s)
			t := Target{Name: fmt.Sprintf("%s vs its own (%s) floor @%s keys", s, path, human(k)), Goal: fmt.Sprintf("<= %.1fx floor", restoreFloorRatio), Met: "n/a", Measured: "no floor measured"}
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

// versusNative compares the engine's median RTO with Redis's own failover
// at one size, for one kind of failure (crash or silence).
func (r *Result) versusNative(k int, engine, native, kind string, goal float64) []Target {
	p, okP := r.Cell(k, engine)
	n, okN := r.Cell(k, native)
	if !okP || !okN || p.RTO.N == 0 || n.RTO.N == 0 {
		return nil
	}
	x := Ratio(n.RTO.Median, p.RTO.Median)
	mode := r.Config.DetectMode
	if mode == "" {
		mode = "auto"
	}
	what, timeout := "promote vs native failover", "node-timeout"
	if onSentinel(engine) {
		what, timeout = "promote through Sentinel vs Sentinel's own failover", "down-after-milliseconds"
	}
	return []Target{{
		Name: fmt.Sprintf("%s on %s @%s keys, %s %d ms, detect %s", what, kind, human(k), timeout, r.Config.NodeTimeout.Milliseconds(), mode),
		Goal: fmt.Sprintf(">= %.0fx faster", goal), Measured: fmt.Sprintf("%.1fx (%.2f s vs %.2f s)", x, p.RTO.Median/1000, n.RTO.Median/1000),
		Met: yes(x >= goal),
	}}
}
