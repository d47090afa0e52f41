package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEventLogFollowAndSort(t *testing.T) {
	l := newEventLog()
	t0 := time.Now()
	l.add(Event{Time: t0.Add(2 * time.Millisecond), Node: "b", Kind: KindUnreachable})
	l.add(Event{Time: t0, Node: "a", Kind: KindDie})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Event)
	go l.follow(ctx, out)
	if e := <-out; e.Node != "b" {
		t.Fatalf("follow must keep recording order, got %v", e)
	}
	<-out
	l.add(Event{Time: t0.Add(time.Millisecond), Node: "c", Kind: KindStop})
	if e := <-out; e.Node != "c" {
		t.Fatalf("follow must deliver later events, got %v", e)
	}
	l.close()
	if _, ok := <-out; ok {
		t.Fatal("follow must close its channel after the log closes")
	}
	got := l.sorted()
	if got[0].Node != "a" || got[1].Node != "c" || got[2].Node != "b" {
		t.Fatalf("sorted order wrong: %v", got)
	}
	var buf bytes.Buffer
	if err := writeJSONL(&buf, got); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d", len(lines))
	}
	var e Event
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.Kind != KindDie || !e.Time.Equal(t0) {
		t.Fatalf("round trip: %v %+v", err, e)
	}
}

func TestOptionsRejectBadInput(t *testing.T) {
	for _, o := range []Options{{Interval: 2 * time.Second}, {EmptyRestartRatio: 2}, {Timeout: -1}, {EmptyRestartMinKeys: -3}} {
		if _, err := o.withDefaults(); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := Start(context.Background(), nil, Options{}); err == nil {
		t.Error("nil deployment accepted")
	}
}
