// Package verify checks a deployment after recovery: cluster state, slot
// coverage, split brain, replication links, replica counts and per-shard key
// counts / digests against a baseline taken before the fault. It never
// asserts: every finding is a named Check in a Result.
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package verify

import (
	"fmt"
	"strings"
	"time"
)

// Check names. "split-brain" and "shard-wiped" pass when the condition they
// name is absent; the others pass when what they name holds.
const (
	CheckReachable       = "reachable"        // node answers PING
	CheckClusterState    = "cluster-state"    // cluster_state:ok
	CheckSlotCoverage    = "slot-coverage"    // every slot served once in the node's view
	CheckViewsAgree      = "views-agree"      // every node sees the same owner for every slot
	CheckSplitBrain      = "split-brain"      // no slot (or dataset) has two live primaries
	CheckReplicationLink = "replication-link" // replica's master_link_status:up
	CheckReplicaCount    = "replica-count"    // shard has at least the expected replicas
	CheckKeyCount        = "key-count"        // shard holds no fewer keys than at baseline
	CheckShardWiped      = "shard-wiped"      // shard is not empty when the baseline had keys
	CheckDigest          = "digest"           // shard digest equals the baseline's
)

// Finding is one named check about one subject (a node or a shard).
type Finding struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
}

// String renders the check on one line.
func (c Finding) String() string {
	mark := "ok  "
	if !c.OK {
		mark = "FAIL"
	}
	s := fmt.Sprintf("%s %s[%s]", mark, c.Name, c.Subject)
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Result is the outcome of one verification.
type Result struct {
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration"`
	Checks   []Finding     `json:"checks"`
}

// OK reports whether every check passed (and there was at least one).
func (r Result) OK() bool { return len(r.Checks) > 0 && len(r.Failed()) == 0 }

// Failed returns the checks that did not pass.
func (r Result) Failed() []Finding {
	var out []Finding
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Has reports whether a check with this name failed.
func (r Result) Has(name string) bool {
	for _, c := range r.Failed() {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Find returns the checks with this name.
func (r Result) Find(name string) []Finding {
	var out []Finding
	for _, c := range r.Checks {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// String summarises the result: a verdict line, then the failed checks.
func (r Result) String() string {
	failed := r.Failed()
	var b strings.Builder
	if len(failed) == 0 {
		fmt.Fprintf(&b, "verify OK: %d checks passed in %v", len(r.Checks), r.Duration.Round(time.Millisecond))
		return b.String()
	}
	fmt.Fprintf(&b, "verify FAILED: %d of %d checks failed", len(failed), len(r.Checks))
	for _, c := range failed {
		b.WriteString("\n  " + c.String())
	}
	return b.String()
}

func (r *Result) add(name, subject string, ok bool, format string, args ...any) {
	r.Checks = append(r.Checks, Finding{Name: name, Subject: subject, OK: ok, Detail: fmt.Sprintf(format, args...)})
}
