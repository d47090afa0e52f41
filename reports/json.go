package reports

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the redacted run as indented JSON (report.json).
func WriteJSON(w io.Writer, run Run) error {
	run = prepare(run)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(run); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// prepare is what every writer does first: redact secrets and stamp the schema.
func prepare(run Run) Run {
	run = Redact(run)
	run.Schema = SchemaVersion
	return run
}
