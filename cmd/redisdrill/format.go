package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Output formats of -o/--output.
const (
	formatTable = "table"
	formatText  = "text"
	formatJSON  = "json"
	// formatMarkdown is a markdown table (scenarios: docs/scenarios.md's table).
	formatMarkdown = "markdown"
)

// outputFlag is a command's -o/--output: one of formats, the first being
// the default.
type outputFlag struct {
	format  string
	formats []string
}

// addOutputFlag registers -o/--output on cmd, accepting formats (the first
// is the default).
func addOutputFlag(cmd *cobra.Command, formats ...string) *outputFlag {
	o := &outputFlag{format: formats[0], formats: formats}
	cmd.Flags().StringVarP(&o.format, "output", "o", formats[0], "output format: "+strings.Join(formats, " or "))
	return o
}

// check returns a usage error (exit 2) when -o names an unknown format.
func (o *outputFlag) check() error {
	if slices.Contains(o.formats, o.format) {
		return nil
	}
	return fmt.Errorf("invalid output format %q for -o: want %s", o.format, strings.Join(o.formats, " or "))
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
