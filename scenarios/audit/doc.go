// Package audit recomputes a run's headline figures (RTO, acked writes,
// data loss, client-visible outage) from the raw files of its evidence
// folder: the ledger, the probe ticks, the final-read observations and the
// t0 / measured_until instants of measurement.json; and re-judges every
// scenario of a report.json from those figures and the limits report.json
// records (Judge, Scenario).
//
// It deliberately shares no code with the live path: every figure must be
// re-derivable from the evidence files by a small function that shares no
// code with the path that computed it live. It imports neither
// harness/workload nor scenarios, recovery or harness: it has its own
// minimal structs for the JSON lines, parses them with encoding/json, and
// writes the t_ready rule, the loss rule and the verdict's rules again from
// their documented definitions. A bug in the live path's readers, its tag
// parsing, its ready rule or its judge therefore cannot hide in both places
// at once; when Compare reports a mismatch, one of the two is wrong.
// The only import from this module is reports, for the evidence file names
// and the report model.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package audit
