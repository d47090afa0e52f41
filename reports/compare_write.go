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
	writeOnly(&b, c, termCell)
	fmt.Fprintf(&b, "%d regression(s); rule: rto > old×%.2f and > +%s, or more acked writes lost, or a worse verdict\n",
		c.Regressions, 1+c.MaxRegression, FormatDuration(RTONoise))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

// WriteComparisonMarkdown writes c as a Markdown table for a job summary.
func WriteComparisonMarkdown(w io.Writer, c Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## redisdrill comparison: %d regression%s\n\n", c.Regressions, plural(c.Regressions))
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
	if len(c.OnlyOld)+len(c.OnlyNew) > 0 {
		b.WriteString("\n")
	}
	writeOnly(&b, c, func(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" })
	fmt.Fprintf(&b, "\n<sub>Regression: RTO above old × %.2f and more than %s slower, any increase of acked writes lost, or a worse verdict.</sub>\n",
		1+c.MaxRegression, FormatDuration(RTONoise))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison markdown: %w", err)
	}
	return nil
}

func writeOnly(b *strings.Builder, c Comparison, quote func(string) string) {
	list := func(xs []string) string {
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = quote(x)
		}
		return strings.Join(q, ", ")
	}
	if len(c.OnlyOld) > 0 {
		fmt.Fprintf(b, "only in old run: %s\n", list(c.OnlyOld))
	}
	if len(c.OnlyNew) > 0 {
		fmt.Fprintf(b, "only in new run: %s\n", list(c.OnlyNew))
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
