package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteComparisonText writes c as an aligned terminal table.
func WriteComparisonText(w io.Writer, c Comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SCENARIO\tOLD RTO\tNEW RTO\tΔ RTO\tΔ%\tOLD LOST\tNEW LOST\tΔ LOST\tVERDICT\tREGRESSION\t")
	for _, d := range c.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%+d\t%s\t%s\t\n",
			termCell(d.Name), d.OldRTO, d.NewRTO, signed(d.RTODelta), pctText(d.RTODeltaPct),
			d.OldLost, d.NewLost, d.LostDelta, termCell(string(d.OldStatus)+"→"+string(d.NewStatus)), regText(d))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	var b strings.Builder
	for _, d := range c.Scenarios {
		if d.Regression {
			fmt.Fprintf(&b, "REGRESSION %s: %s\n", termCell(d.Name), termCell(strings.Join(d.Reasons, "; ")))
		}
	}
	writeMissingAndNew(&b, c, "REGRESSION ", "", termCell)
	fmt.Fprintf(&b, "%d regression(s); rule: rto > old×%.2f and > +%s, more acked writes lost, a worse verdict, or a scenario missing in NEW\n",
		c.Regressions, 1+c.MaxRegression, FormatDuration(RTONoise))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

// WriteComparisonMarkdown writes c as a Markdown table for a job summary.
func WriteComparisonMarkdown(w io.Writer, c Comparison) error {
	var b strings.Builder
	if c.NewEmpty {
		fmt.Fprintf(&b, "## redisdrill comparison: %s\n\n", noScenarios)
	} else {
		fmt.Fprintf(&b, "## redisdrill comparison: %d regression%s\n\n", c.Regressions, plural(c.Regressions))
	}
	b.WriteString("| Scenario | Old RTO | New RTO | Δ RTO | Δ % | Old lost | New lost | Δ lost | Verdict | |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
	for _, d := range c.Scenarios {
		mark := "✅"
		if d.Regression {
			mark = "❌ " + mdCell(strings.Join(d.Reasons, "; "))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d | %d | %+d | %s → %s | %s |\n",
			mdCell(d.Name), d.OldRTO, d.NewRTO, signed(d.RTODelta), pctText(d.RTODeltaPct),
			d.OldLost, d.NewLost, d.LostDelta, mdCell(string(d.OldStatus)), mdCell(string(d.NewStatus)), mark)
	}
	if len(c.OnlyOld)+len(c.OnlyNew) > 0 || c.NewEmpty {
		b.WriteString("\n")
	}
	writeMissingAndNew(&b, c, "- ❌ ", "- ", func(s string) string { return "`" + strings.ReplaceAll(termCell(s), "`", "'") + "`" })
	fmt.Fprintf(&b, "\n<sub>Regression: RTO above old × %.2f and more than %s slower, any increase of acked writes lost, a worse verdict, or a scenario missing in NEW.</sub>\n",
		1+c.MaxRegression, FormatDuration(RTONoise))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison markdown: %w", err)
	}
	return nil
}

// noScenarios is the failure line of an empty new run.
const noScenarios = "NEW has no scenarios"

// writeMissingAndNew writes one line per scenario missing in the new run and
// the empty-run failure, each after failPrefix (they are regressions), then
// one line per scenario new in the new run after infoPrefix (never a
// failure). quote renders a scenario name.
func writeMissingAndNew(b *strings.Builder, c Comparison, failPrefix, infoPrefix string, quote func(string) string) {
	for _, name := range c.OnlyOld {
		fmt.Fprintf(b, "%smissing in NEW: %s\n", failPrefix, quote(name))
	}
	if c.NewEmpty {
		fmt.Fprintf(b, "%s%s\n", failPrefix, noScenarios)
	}
	for _, name := range c.OnlyNew {
		fmt.Fprintf(b, "%snew in NEW: %s (not compared)\n", infoPrefix, quote(name))
	}
}

func regText(d ScenarioDelta) string {
	if d.Regression {
		return "YES"
	}
	return "no"
}

func signed(m Millis) string {
	if m > 0 {
		return "+" + m.String()
	}
	return m.String()
}

// termCell strips control characters (no terminal escapes from data) and tabs.
func termCell(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
