package reports

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes summary.md: a compact table fitting a GitHub job
// summary plus a list of the scenarios that did not pass and why.
func WriteMarkdown(w io.Writer, run Run) error {
	run = prepare(run)
	var b strings.Builder
	counts := countStatuses(run.Scenarios)
	fmt.Fprintf(&b, "## redisdrill: %d scenario%s — %s\n\n", len(run.Scenarios), plural(len(run.Scenarios)), counts)
	if g, ok := ServerGrid(run); ok {
		writeMarkdownGrid(&b, g)
		b.WriteString("\n### All runs\n\n")
	}
	b.WriteString("| Scenario | Topology | Fault | Strategy | RTO | Client outage | Detect | Acked lost | Verdict |\n")
	b.WriteString("|---|---|---|---|--:|--:|--:|--:|---|\n")
	for _, s := range run.Scenarios {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			mdCell(CaseName(run, s)), mdCell(s.Topology), mdCell(s.Fault.Name), mdCell(s.Strategy),
			rtoText(s), s.ClientOutage, s.Detect, lostText(s), statusBadge(s.Verdict.Status))
	}
	var bad []ScenarioResult
	for _, s := range run.Scenarios {
		if s.Verdict.Status.Failed() {
			bad = append(bad, s)
		}
	}
	var skipped []ScenarioResult
	for _, s := range run.Scenarios {
		if s.Verdict.Status == StatusSkip {
			skipped = append(skipped, s)
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\n### Skipped\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- **%s**: %s\n", mdCell(CaseName(run, s)), mdCell(strings.Join(s.Verdict.Reasons, "; ")))
		}
	}
	writeMarkdownSalvage(&b, run)
	writeMarkdownArchives(&b, run)
	writeMarkdownFailFlags(&b, run)
	writeMarkdownHistory(&b, run)
	if len(bad) > 0 {
		b.WriteString("\n### Not passing\n\n")
		for _, s := range bad {
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", mdCell(CaseName(run, s)), s.Verdict.Status, mdCell(strings.Join(s.Verdict.Reasons, "; ")))
		}
	}
	fmt.Fprintf(&b, "\n<sub>redisdrill %s · %s · %s · %s</sub>\n", mdCell(run.Version), mdCell(run.GoVersion), mdCell(run.Host), run.Start.UTC().Format("2006-01-02 15:04:05Z"))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown summary: %w", err)
	}
	return nil
}

// WriteMarkdownGrid writes the scenario × server grid of a matrix run as
// a Markdown table (verdict · RTO · acked writes lost per cell), without
// the heading summary.md puts above it.
func WriteMarkdownGrid(w io.Writer, g Grid) error {
	var b strings.Builder
	writeMarkdownGrid(&b, g)
	_, table, _ := strings.Cut(b.String(), "\n\n")
	if _, err := io.WriteString(w, table); err != nil {
		return fmt.Errorf("write markdown grid: %w", err)
	}
	return nil
}

// writeMarkdownGrid writes the scenario × server grid of a matrix run:
// verdict, RTO and acked writes lost per cell.
func writeMarkdownGrid(b *strings.Builder, g Grid) {
	b.WriteString("### Scenario × server\n\n| Scenario |")
	for _, srv := range g.Servers {
		fmt.Fprintf(b, " %s |", mdCell(srv.Label()))
	}
	b.WriteString("\n|---|")
	for range g.Servers {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range g.Rows {
		fmt.Fprintf(b, "| %s |", mdCell(r.Scenario))
		for _, c := range r.Cells {
			fmt.Fprintf(b, " %s |", gridCellText(c))
		}
		b.WriteString("\n")
	}
}

// gridCellText is one grid cell: verdict, RTO, acked writes lost.
func gridCellText(c GridCell) string {
	if !c.Ran {
		return "—"
	}
	if c.Result.Verdict.Status == StatusSkip {
		return statusBadge(StatusSkip)
	}
	return fmt.Sprintf("%s · %s · %d lost", statusBadge(c.Result.Verdict.Status), rtoText(c.Result), c.Result.Loss.Lost)
}

// mdCell makes s safe inside a Markdown table cell.
func mdCell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", `\<`, "`", "'")
	return r.Replace(s)
}

func rtoText(s ScenarioResult) string {
	if !s.Ready {
		return "never"
	}
	return s.RTO.String()
}

func lostText(s ScenarioResult) string {
	return fmt.Sprintf("%d / %d", s.Loss.Lost, s.Loss.Acked)
}

func statusBadge(st Status) string {
	switch st {
	case StatusPass:
		return "✅ pass"
	case StatusFail:
		return "❌ fail"
	case StatusInvalid:
		return "⚠️ invalid"
	case StatusError:
		return "💥 error"
	case StatusSkip:
		return "⏭️ skip"
	default:
		return "❔ " + mdCell(string(st))
	}
}

func countStatuses(ss []ScenarioResult) string {
	n := map[Status]int{}
	for _, s := range ss {
		n[s.Verdict.Status]++
	}
	var parts []string
	for _, st := range []Status{StatusPass, StatusFail, StatusInvalid, StatusError, StatusInterrupted, StatusSkip} {
		if n[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	if len(parts) == 0 {
		return "nothing ran"
	}
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// writeMarkdownArchives lists each streaming archiver of a run: how far
// behind its primary it ran and whether its archive checked clean.
func writeMarkdownArchives(b *strings.Builder, run Run) {
	first := true
	for _, s := range run.Scenarios {
		for _, a := range s.Archives {
			if first {
				b.WriteString("\n### Streaming archives\n\n| scenario | shard | lag p50 | lag p99 | lag max | bases | segments | gaps | check |\n|---|---|---|---|---|---|---|---|---|\n")
				first = false
			}
			check := "ok"
			if !a.CheckOK {
				check = "FAIL: " + strings.Join(a.Problems, "; ")
			}
			fmt.Fprintf(b, "| %s | %d | %.1f ms | %.1f ms | %.1f ms | %d | %d | %d | %s |\n",
				mdCell(CaseName(run, s)), a.Shard, a.LagP50MS, a.LagP99MS, a.LagMaxMS, a.Bases, a.Segments, a.Gaps, mdCell(check))
		}
	}
}

// writeMarkdownSalvage lists what each salvage kept: why a scenario lost
// less than a backup restore would have.
func writeMarkdownSalvage(b *strings.Builder, run Run) {
	first := true
	for _, s := range run.Scenarios {
		for _, sv := range s.Salvage {
			if first {
				b.WriteString("\n### Salvaged\n\n")
				first = false
			}
			damaged, sums := "", ""
			if len(sv.Damaged) > 0 {
				damaged = ", damaged at " + strings.Join(sv.Damaged, ", ")
			}
			if sv.SHA256Before != "" || sv.SHA256After != "" {
				sums = fmt.Sprintf("; sha256 %s → %s", shortHash(sv.SHA256Before), shortHash(sv.SHA256After))
			}
			fmt.Fprintf(b, "- **%s**: %s on `%s`%s, kept %d %s, dropped %d%s. %s\n",
				mdCell(CaseName(run, s)), sv.Method, sv.File, mdCell(damaged), sv.Kept, sv.Unit, sv.Dropped,
				sums, mdCell(sv.Detail))
		}
	}
}

// writeMarkdownFailFlags lists every FAIL flag Redis held on a restored
// primary: the reason an outage outlasted the engine's own work.
func writeMarkdownFailFlags(b *strings.Builder, run Run) {
	first := true
	for _, s := range run.Scenarios {
		for _, o := range s.Observations {
			if !strings.HasPrefix(o, "fail-flag:") {
				continue
			}
			if first {
				b.WriteString("\n### FAIL flags Redis held\n\n")
				first = false
			}
			fmt.Fprintf(b, "- **%s**: %s\n", mdCell(CaseName(run, s)), mdCell(strings.TrimSpace(strings.TrimPrefix(o, "fail-flag:"))))
		}
	}
}

// shortHash abbreviates a hex digest for a table.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// writeMarkdownHistory lists what the history checker found in each
// scenario: checked ops, the verdict, and the anomalies with an example.
func writeMarkdownHistory(b *strings.Builder, run Run) {
	first := true
	for _, s := range run.Scenarios {
		h := s.History
		if h == nil {
			continue
		}
		if first {
			b.WriteString("\n### What clients saw (history check)\n\n")
			b.WriteString("| scenario | checked ops | linearizable | anomalies | tolerated |\n|---|---:|---|---|---|\n")
			first = false
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s |\n", mdCell(CaseName(run, s)), h.CheckedOps, h.Linearizable,
			mdCell(orNone(h.Counts())), mdCell(orNone(strings.Join(h.Tolerated, ", "))))
	}
	for _, s := range run.Scenarios {
		if s.History == nil || len(s.History.Examples) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n**%s**:\n", mdCell(CaseName(run, s)))
		for _, e := range s.History.Examples {
			fmt.Fprintf(b, "- %s\n", mdCell(e))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
