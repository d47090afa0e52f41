// Package reports holds the result model of a redisdrill run and everything
// derived from it: JSON, JUnit, Markdown and self-contained HTML writers,
// YAML thresholds with verdict evaluation, run-to-run comparison and the
// redaction of secrets. It is pure Go and needs no Docker.
//
// Stability: the files it writes (report.json, junit.xml, summary.md,
// report.html) are the interface CI jobs read; report.json carries
// its schema ("schema"). The Go types are redisdrill's implementation and may
// change in any release; the supported Go API is package scenarios/drill.
package reports
