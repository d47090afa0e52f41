package explore

import (
	"testing"
	"time"
)

func TestCandidatesBlamedFirst(t *testing.T) {
	s := sample()
	a := &Attempt{Breaks: []Break{{Invariant: InvLostWrite, Event: "f2"}}}
	cs := candidates(s, a, InvLostWrite)
	var names []string
	for _, c := range cs {
		names = append(names, c.change)
		if err := c.s.Validate(); err != nil {
			t.Fatalf("%s: %v", c.change, err)
		}
		if _, err := c.s.Plan("c"); err != nil {
			t.Fatalf("%s: %v", c.change, err)
		}
	}
	want := []string{"keep only f2", "drop f3", "drop f1", "halve durations", "cut durations by a quarter", "halve gaps (move faults earlier)"}
	if len(names) != len(want) {
		t.Fatalf("candidates %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("candidates %v, want %v", names, want)
		}
	}
	if only := cs[0].s; len(only.Events) != 1 || only.Events[0].Overlap {
		t.Fatalf("keep only: %+v", only.Events)
	}
	if d := cs[2].s; d.Events[0].ID != "f2" || d.Events[0].Overlap {
		t.Fatalf("drop f1 must leave f2 as its own burst: %+v", d.Events)
	}
	if h := cs[3].s; h.Events[0].Duration.D() != 1500*time.Millisecond || h.Events[2].Duration.D() != time.Second {
		t.Fatalf("halve durations: %+v", h.Events)
	}
	if len(s.Events) != 3 || s.Events[1].Overlap != true || s.Events[0].Duration.D() != 3*time.Second {
		t.Fatal("candidates changed the schedule they came from")
	}
}

func TestCandidatesOfAMinimalScheduleEnd(t *testing.T) {
	s := sample()
	s.Events = []Event{s.Events[2]}
	s.Events[0].Duration, s.Events[0].Gap = Duration(time.Second), Duration(500*time.Millisecond)
	if cs := candidates(s, &Attempt{}, InvLostWrite); len(cs) != 0 {
		t.Fatalf("want no candidates, got %d", len(cs))
	}
}
