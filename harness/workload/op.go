package workload

import "time"

// Op is one recorded write.
type Op struct {
	Client   int       `json:"client"`
	Seq      int64     `json:"seq"`
	Key      string    `json:"key"`
	Tag      string    `json:"tag"` // identity written at the start of the value: "<nonce>:<client>:<seq>"
	Invoke   time.Time `json:"invoke"`
	Complete time.Time `json:"complete"`
	Outcome  Outcome   `json:"outcome"`
	Kind     string    `json:"kind,omitempty"` // ErrorKind of the deciding error
	Err      string    `json:"err,omitempty"`
	// Replicas is WAIT's answer when the profile asked for replicas, else -1.
	Replicas int `json:"replicas"`
	// Attempts is how many times the client sent the command (cluster
	// redirections and retries included).
	Attempts int `json:"attempts,omitempty"`
	// Type is the kind of write (empty: a SET of a new key; see Kind).
	Type Kind `json:"type,omitempty"`
	// Field is the hash field of an HSET, the entry id an XADD got back.
	Field string `json:"field,omitempty"`
	// Counter is the value an INCR returned.
	Counter int64 `json:"counter,omitempty"`
	// TTLMS is the time to live of a KindSetTTL write, in milliseconds.
	TTLMS int64 `json:"ttl_ms,omitempty"`
	// Scheduled is when the op was due by the profile's rate (set with
	// Profile.CatchUp): a client held up by a slow op sends the ops it owes
	// late, and their latency counts from when they were due, so a stall
	// is not hidden by the ops it kept from being sent (no coordinated
	// omission).
	Scheduled time.Time `json:"scheduled,omitzero"`
}

// Latency is Complete − Scheduled when the op has a schedule, else
// Complete − Invoke.
func (o Op) Latency() time.Duration {
	if !o.Scheduled.IsZero() {
		return o.Complete.Sub(o.Scheduled)
	}
	return o.Complete.Sub(o.Invoke)
}

// ExpiresBy is the latest instant the server can have set a KindSetTTL
// write's expiry to (Complete + TTL); zero for other writes.
func (o Op) ExpiresBy() time.Time {
	if o.kindOf() != KindSetTTL || o.TTLMS <= 0 {
		return time.Time{}
	}
	return o.Complete.Add(time.Duration(o.TTLMS) * time.Millisecond)
}
