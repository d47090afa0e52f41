package reports

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// History is what the history checker found in a scenario's client
// history (history.jsonl): the ops it checked, whether every key's history
// is linearizable, and each anomaly kind with its count.
type History struct {
	// CheckedOps counts the register and list ops given to the
	// linearizability check.
	CheckedOps int `json:"checked_ops"`
	// Keys counts the shared keys the clients used.
	Keys int `json:"keys"`
	// Linearizable is true, false, or "unknown" (a check ran out of time:
	// never reported as true).
	Linearizable Tristate `json:"linearizable"`
	// Anomalies counts each anomaly kind found (tolerated ones included).
	Anomalies map[string]int `json:"anomalies"`
	// Tolerated lists the kinds the scenario accepts from writes acked
	// before t_ready.
	Tolerated []string `json:"tolerated,omitempty"`
	// Examples is the first anomaly of each kind: key, instant, ops.
	Examples []string `json:"examples,omitempty"`
	// Visualizations maps each key whose history is not linearizable to
	// porcupine's visualisation, a path relative to the scenario's
	// evidence folder.
	Visualizations map[string]string `json:"visualizations,omitempty"`
}

// Tristate is true, false or unknown; it encodes as JSON true, false or
// the string "unknown".
type Tristate string

// The values of a Tristate.
const (
	True    Tristate = "true"
	False   Tristate = "false"
	Unknown Tristate = "unknown"
)

// MarshalJSON implements json.Marshaler.
func (t Tristate) MarshalJSON() ([]byte, error) {
	switch t {
	case True:
		return []byte("true"), nil
	case False:
		return []byte("false"), nil
	}
	return []byte(`"unknown"`), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Tristate) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("read linearizable: %w", err)
	}
	switch v {
	case true:
		*t = True
	case false:
		*t = False
	case "unknown", nil:
		*t = Unknown
	default:
		return fmt.Errorf("read linearizable: %v is neither true, false nor \"unknown\"", v)
	}
	return nil
}

// Summary is the check in one line: "1,204 ops on 36 keys, linearizable:
// false; stale-read 3, lost-write 12".
func (h *History) Summary() string {
	if h == nil {
		return ""
	}
	s := fmt.Sprintf("%d ops on %d keys, linearizable: %s", h.CheckedOps, h.Keys, h.Linearizable)
	if c := h.Counts(); c != "" {
		s += "; " + c
	}
	return s
}

// Counts lists each anomaly kind with its count, by kind: "lost-write 12,
// stale-read 3" ("" when none).
func (h *History) Counts() string {
	if h == nil {
		return ""
	}
	kinds := make([]string, 0, len(h.Anomalies))
	for k := range h.Anomalies {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, h.Anomalies[k]))
	}
	return strings.Join(parts, ", ")
}
