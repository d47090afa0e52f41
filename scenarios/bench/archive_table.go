package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteArchiveTable prints an archive bench result for a terminal: the
// throughput without and with the archiver per variant (each run's ops/s
// included) with the archiver's lag, the restore times per size, and the
// targets.
func WriteArchiveTable(w io.Writer, r *ArchiveResult) error {
	fmt.Fprintln(w, throughputCaption(r))
	if err := writeTabbed(w, throughputHeader(true), throughputRows(r, true)); err != nil {
		return err
	}
	if r.ThroughputError != "" {
		fmt.Fprintf(w, "throughput not measured: %s\n", r.ThroughputError)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, restoreCaption(r))
	var rows [][]string
	for _, c := range r.Restores {
		rows = append(rows, restoreRow(c))
	}
	if err := writeTabbed(w, restoreHeader(), rows); err != nil {
		return err
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w)
		rows = nil
		for _, t := range r.Targets {
			rows = append(rows, []string{t.Name, t.Goal, t.Measured, t.Met})
		}
		if err := writeTabbed(w, []string{"target", "goal", "measured", "met"}, rows); err != nil {
			return err
		}
	}
	return nil
}

// WriteArchiveMarkdown prints the same figures as markdown tables (for the
// README): medians only, the per-run figures staying in the JSON.
func WriteArchiveMarkdown(w io.Writer, r *ArchiveResult) error {
	var b strings.Builder
	b.WriteString(throughputCaption(r) + "\n\n")
	writeMarkdownTable(&b, throughputHeader(false), throughputRows(r, false))
	b.WriteString("\n" + restoreCaption(r) + "\n\n")
	var rows [][]string
	for _, c := range r.Restores {
		rows = append(rows, restoreRow(c))
	}
	writeMarkdownTable(&b, restoreHeader(), rows)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write archive bench markdown: %w", err)
	}
	return nil
}

// throughputRows are the rows of every variant.
func throughputRows(r *ArchiveResult, runs bool) [][]string {
	var rows [][]string
	for _, c := range r.Throughput {
		rows = append(rows, throughputRow(c, runs))
	}
	return rows
}

// throughputCaption says how the throughput was measured.
func throughputCaption(r *ArchiveResult) string {
	c := r.Config
	return fmt.Sprintf("Throughput on %s (%s): windows of %s after a %s warm-up, %d per arm, interleaved without / with a streaming archiver;\n"+
		"lag = the archiver's Stats at the end of each run with it (medians); %d CPUs",
		r.ThroughputTopology, serverText(r.Machine), c.Duration, c.WarmUp, c.Repeat, r.Machine.CPUs)
}

// restoreCaption says how the restores were measured.
func restoreCaption(r *ArchiveResult) string {
	c := r.Config
	return fmt.Sprintf("Restore of shard 0 of a %s cluster: the keys populated over the cluster (%d B values, as in bench rollback), then an archiver following shard 0's primary (its base),\n"+
		"then %d SETs of new keys of shard 0 (the incr part); dataset = shard 0's keys; medians of %d.\n"+
		"archive restore = materialize + a scratch server in the node's machine loads the AOF and saves an RDB + verify (backup.AddPoint);\n"+
		"snapshot restore = a scratch server in the node's machine loads a live RDB of the same data;\n"+
		"raw load = redis-server's logged load of that RDB in a fresh node (bench rollback's floor: warm = copy + raw load, cold = copy + container start + load)",
		r.RestoreTopology, c.ValueSize, c.Incr, c.Repeat)
}

// serverText names the server a result ran on.
func serverText(m Machine) string {
	switch {
	case m.Server != "" && m.ServerVersion != "":
		return m.Server + " " + m.ServerVersion
	case m.RedisVersion != "":
		return "redis " + m.RedisVersion
	}
	return "server unknown"
}

// writeTabbed writes a header and rows as aligned columns.
func writeTabbed(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write archive bench table: %w", err)
	}
	return nil
}

// writeMarkdownTable writes a header and rows as a markdown table (pipes
// in cells escaped).
func writeMarkdownTable(b *strings.Builder, header []string, rows [][]string) {
	line := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(esc, " | ") + " |\n")
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, row := range rows {
		line(row)
	}
}
