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
}

// Latency is Complete − Invoke.
func (o Op) Latency() time.Duration { return o.Complete.Sub(o.Invoke) }
