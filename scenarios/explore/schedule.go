package explore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/redisdrill/redisdrill/harness/fault"
	"github.com/redisdrill/redisdrill/recovery/detect"
)

// ScheduleVersion is the version of the schedule file format.
const ScheduleVersion = 1

// Schedule is a drawn (or shrunk) fault schedule together with everything
// needed to run it again: the file a replay reads.
type Schedule struct {
	Version     int         `json:"version"`
	Seed        int64       `json:"seed"`
	Duration    Duration    `json:"duration"`
	Faults      []string    `json:"faults"`
	Topology    string      `json:"topology"`
	NodeTimeout Duration    `json:"node_timeout"`
	Recovery    string      `json:"recovery"`
	Detect      detect.Mode `json:"detect,omitempty"`
	Archive     bool        `json:"archive,omitempty"`
	Durability  string      `json:"durability"`
	AllowLoss   Duration    `json:"allow_loss"`
	// ConvergeBound is how long after a burst's last heal the deployment
	// may take to converge.
	ConvergeBound Duration `json:"converge_bound"`
	Events        []Event  `json:"events"`
}

// Event is one fault of a schedule. Events run in order; an event whose
// Overlap is set is injected while the previous one is still active (same
// burst), the others after the previous burst recovered and converged.
type Event struct {
	ID     string       `json:"id"`
	Fault  string       `json:"fault"`
	Target fault.Target `json:"target"`
	// Gap is the wait before the injection: after the previous burst
	// converged, or after the previous injection when Overlap is set.
	Gap Duration `json:"gap"`
	// Duration is how long the fault lasts before it is healed (0 for
	// faults with nothing to heal, such as flushall and restart).
	Duration    Duration `json:"duration"`
	Overlap     bool     `json:"overlap,omitempty"`
	LossPercent float64  `json:"loss_percent,omitempty"`
	Companions  int      `json:"companions,omitempty"`
}

// Config returns the configuration the schedule runs with.
func (s Schedule) Config() Config {
	return Config{
		Seed: s.Seed, Duration: s.Duration.D(), Faults: s.Faults, Topology: s.Topology, NodeTimeout: s.NodeTimeout.D(),
		Recovery: s.Recovery, Detect: s.Detect, Archive: s.Archive, Durability: s.Durability, AllowLoss: s.AllowLoss.D(), ConvergeBound: s.ConvergeBound.D(),
	}
}

// Length is the schedule's planned time: every gap and every burst's
// span (the time spent recovering comes on top).
func (s Schedule) Length() time.Duration {
	var total time.Duration
	for _, b := range s.Bursts() {
		total += s.Events[b[0]].Gap.D() + s.burstSpan(b)
	}
	return total
}

// burstSpan is the time from a burst's first injection to its last heal.
func (s Schedule) burstSpan(b []int) time.Duration {
	var span, offset time.Duration
	for k, i := range b {
		e := s.Events[i]
		if k > 0 {
			offset += e.Gap.D()
		}
		span = max(span, offset+e.Duration.D())
	}
	return span
}

// Bursts groups the event indexes into bursts: an event and the
// overlapping ones after it.
func (s Schedule) Bursts() [][]int {
	var out [][]int
	for i, e := range s.Events {
		if !e.Overlap || len(out) == 0 {
			out = append(out, []int{i})
			continue
		}
		out[len(out)-1] = append(out[len(out)-1], i)
	}
	return out
}

// Validate reports a schedule that cannot run.
func (s Schedule) Validate() error {
	if s.Version != ScheduleVersion {
		return fmt.Errorf("validate schedule: version %d, want %d", s.Version, ScheduleVersion)
	}
	if _, err := s.Config().Normalize(); err != nil {
		return fmt.Errorf("validate schedule: %w", err)
	}
	if len(s.Events) == 0 {
		return fmt.Errorf("validate schedule: no events")
	}
	ids := map[string]bool{}
	for i, e := range s.Events {
		if e.ID == "" || ids[e.ID] {
			return fmt.Errorf("validate schedule: event %d: missing or duplicate id %q", i, e.ID)
		}
		ids[e.ID] = true
		if i == 0 && e.Overlap {
			return fmt.Errorf("validate schedule: event %s: the first event cannot overlap", e.ID)
		}
		if e.Overlap && (e.Fault == "partition-minority" || s.Events[i-1].Fault == "partition-minority") {
			return fmt.Errorf("validate schedule: event %s: partition-minority cannot overlap another fault (its routes go into every node)", e.ID)
		}
		if _, err := fault.New(e.Fault, e.params()); err != nil {
			return fmt.Errorf("validate schedule: event %s: %w", e.ID, err)
		}
	}
	return nil
}

func (e Event) params() fault.Params {
	return fault.Params{Target: e.Target, LossPercent: e.LossPercent, Companions: e.Companions}
}

// FaultSteps counts the schedule's fault events.
func (s Schedule) FaultSteps() int { return len(s.Events) }

// Encode renders the schedule as indented JSON with a final newline; the
// same schedule always gives the same bytes.
func (s Schedule) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schedule: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeSchedule parses and validates a schedule file's bytes; unknown
// fields are errors.
func DecodeSchedule(b []byte) (Schedule, error) {
	var s Schedule
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Schedule{}, fmt.Errorf("decode schedule: %w", err)
	}
	if err := s.Validate(); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// LoadSchedule reads and validates a schedule file.
func LoadSchedule(path string) (Schedule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Schedule{}, fmt.Errorf("load schedule: %w", err)
	}
	s, err := DecodeSchedule(b)
	if err != nil {
		return Schedule{}, fmt.Errorf("load schedule %s: %w", path, err)
	}
	return s, nil
}
