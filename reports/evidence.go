package reports

// File names of a run's evidence folder (<out>/<scenario>/). The session
// writes them and every reader (the report re-derivation, the audit, the
// CLI) opens them by these names; change a name here and nowhere else.
const (
	// FileLedger holds every workload op, one JSON object per line
	// (fields invoke, complete, outcome, key, tag, ...).
	FileLedger = "ledger.jsonl"
	// FileProbe holds every probe tick, one JSON object per line (fields at,
	// done, ok, shards, ...).
	FileProbe = "probe.jsonl"
	// FileFinalRead holds what the final read found for each key: its tag,
	// or missing.
	FileFinalRead = "finalread.jsonl"
	// FileMeasurement holds the run's clock (t0, t_ready, measured_until)
	// and the live path's figures.
	FileMeasurement = "measurement.json"
	// FileFaults holds the record of every injected fault.
	FileFaults = "faults.json"
	// FileEvents holds the recovery engine's events.
	FileEvents = "events.jsonl"
	// FileSteps holds what each step of the drill did and when.
	FileSteps = "steps.jsonl"
	// FileWatch holds the split-brain watcher's record: every change of a
	// node's view (role, own slots, cluster_state, reachable), then every
	// confirmed violation (lines with a "kind").
	FileWatch = "watch.jsonl"
	// DirBackups is the backup catalog the engine used.
	DirBackups = "backups"
)
