// Package audit recomputes a run's headline figures (RTO, acked writes,
// data loss, client-visible outage) from the raw files of its evidence
// folder: the ledger, the probe ticks, the final-read observations and the
// t0 / measured_until instants of measurement.json; re-checks the clients'
// history (history.jsonl) with the history checker; and re-judges every
// scenario of a report.json from those figures, the limits and the
// expectations report.json records (Judge, JudgeExpect,
// HistoryCheck.Judge, Scenario).
//
// It deliberately shares no code with the live path: every figure must be
// re-derivable from the evidence files by a small function that shares no
// code with the path that computed it live. It imports neither
// harness/workload nor scenarios, recovery or harness: it has its own
// minimal structs for the JSON lines, parses them with encoding/json, and
// writes the t_ready rule, the loss rule, the loss bounds, the history's
// tolerance rule and the verdict's rules again from their documented
// definitions. A bug in the live path's readers, its tag parsing, its
// ready rule or its judge therefore cannot hide in both places at once;
// when Compare reports a mismatch, one of the two is wrong.
// The only imports from this module are reports, for the evidence file
// names and the report model, and harness/history, whose checker judges
// history.jsonl from the raw file (the tolerance rule applied to its
// anomalies is the audit's own, with the audit's own t_ready).
//
// What the evidence cannot show is carried over from report.json's
// verdict: a failed step, a restored backup that does not verify, a node
// not readmitted after its fence, and every expectation of a report.json
// from before the expect object.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package audit
