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
	b.WriteString("| Scenario | Topology | Fault | Strategy | RTO | Client outage | Detect | Acked lost | Verdict |\n")
	b.WriteString("|---|---|---|---|--:|--:|--:|--:|---|\n")
	for _, s := range run.Scenarios {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			mdCell(s.Name), mdCell(s.Topology), mdCell(s.Fault.Name), mdCell(s.Strategy),
			rtoText(s), s.ClientOutage, s.Detect, lostText(s), statusBadge(s.Verdict.Status))
	}
	var bad []ScenarioResult
	for _, s := range run.Scenarios {
		if s.Verdict.Status != StatusPass {
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		b.WriteString("\n### Not passing\n\n")
		for _, s := range bad {
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", mdCell(s.Name), s.Verdict.Status, mdCell(strings.Join(s.Verdict.Reasons, "; ")))
		}
	}
	fmt.Fprintf(&b, "\n<sub>redisdrill %s · %s · %s · %s</sub>\n", mdCell(run.Version), mdCell(run.GoVersion), mdCell(run.Host), run.Start.UTC().Format("2006-01-02 15:04:05Z"))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown summary: %w", err)
	}
	return nil
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
	for _, st := range []Status{StatusPass, StatusFail, StatusInvalid, StatusError} {
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
