package reports

// Expect is what a scenario had to show beyond its thresholds, as its plan
// named it (scenarios/session Expect). report.json records it so that an
// audit can re-judge those expectations from the evidence folder; a report
// without it (older drills) leaves them to the verdict's own reasons.
type Expect struct {
	// Loss bounds the lost writes by an instant the evidence gives ("" =
	// only the count): "after-fault" (none acked before t0 less the
	// replication allowance), "after-backup" (none acked before the
	// restored backup started), "after-target" (none acked before the
	// point-in-time target second), "within-backup-window" (no more than
	// were acked between the newest verifying backup and t0).
	Loss string `json:"loss,omitempty"`
	// Strategy is the strategy the engine's first recovery had to run
	// ("" = any); "a|b" accepts either.
	Strategy string `json:"strategy,omitempty"`
	// Incident is the incident the engine had to detect ("" = any).
	Incident string `json:"incident,omitempty"`
	// Failover requires the faulted shard to have a new primary after the
	// run.
	Failover bool `json:"failover,omitempty"`
	// NoAction requires the engine to take no action at all.
	NoAction bool `json:"no_action,omitempty"`
	// Fenced requires the engine to have fenced the failed primary (not
	// epoch-only) and the node to have come back as a replica, or stayed
	// out when retired.
	Fenced bool `json:"fenced,omitempty"`
	// Tolerate names the history anomaly kinds the scenario accepts, and
	// only from writes acknowledged before t_ready.
	Tolerate []string `json:"tolerate,omitempty"`
}
