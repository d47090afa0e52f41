// Package reports holds the result model of a redisdrill run and everything
// derived from it: JSON, JUnit, Markdown and self-contained HTML writers,
// YAML thresholds with verdict evaluation, run-to-run comparison and the
// redaction of secrets. It is pure Go and needs no Docker.
package reports
