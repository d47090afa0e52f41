package workload

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func ticksOf(pattern string) []Tick {
	ts := make([]Tick, len(pattern))
	for i, c := range pattern {
		ts[i] = Tick{Seq: int64(i), At: base.Add(time.Duration(i) * 50 * time.Millisecond), OK: c == '+'}
		ts[i].Done = ts[i].At.Add(time.Millisecond)
	}
	return ts
}

func TestReadyAfter(t *testing.T) {
	at := func(i int) time.Time { return base.Add(time.Duration(i) * 50 * time.Millisecond) }
	cases := []struct {
		pattern string
		t0      time.Time
		want    int // tick index of t_ready, -1 = not ready
	}{
		{"+++--+++", at(2), 5},
		{"+++-+-++", at(3), 6},                       // flapping: ready only after the last failure
		{"+++--+--", at(3), -1},                      // last tick failed
		{"++++++++", at(3), 3},                       // never failed after t0: first tick at t0
		{"++++++++", at(3).Add(time.Millisecond), 4}, // first tick at/after t0
		{"--++----", at(5), -1},
		{"-----+++", at(0), 5},
		{"+++", at(9), -1}, // no tick after t0
		{"", at(0), -1},
		{"+-+", at(2), 2}, // failure before t0 does not count
	}
	for _, c := range cases {
		got, ok := ReadyAfter(ticksOf(c.pattern), c.t0)
		if c.want < 0 {
			if ok {
				t.Errorf("%q t0=%s: ready at %s, want not ready", c.pattern, c.t0.Sub(base), got.Sub(base))
			}
			continue
		}
		if !ok || !got.Equal(at(c.want).Add(time.Millisecond)) { // Done = At + 1ms
			t.Errorf("%q t0=%s: got %s %v, want tick %d", c.pattern, c.t0.Sub(base), got.Sub(base), ok, c.want)
		}
	}
}

func TestProbeKeys(t *testing.T) {
	ctx := context.Background()
	shards := [][][2]int{{{0, 5460}}, {{5461, 10922}}, {{10923, 16383}}, {{100, 100}, {9000, 9001}}}
	keys, err := ProbeKeys(ctx, nil, shards)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		s := Slot(k)
		in := false
		for _, r := range shards[i] {
			in = in || (s >= r[0] && s <= r[1])
		}
		if !in {
			t.Errorf("key %q slot %d not in shard %d %v", k, s, i, shards[i])
		}
	}
	single, err := ProbeKeys(ctx, nil, nil)
	if err != nil || len(single) != 1 {
		t.Fatalf("non-cluster probe keys = %v, %v", single, err)
	}
	for _, bad := range [][][][2]int{{{}}, {{{5, 4}}}, {{{0, 16384}}}, {{{-1, 3}}}} {
		if _, err := ProbeKeys(ctx, nil, bad); err == nil {
			t.Errorf("ProbeKeys(%v) must fail", bad)
		}
	}
}

func TestStartProberRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	if _, err := StartProber(ctx, nil, []string{"k"}, 10*time.Millisecond); err == nil {
		t.Error("nil client must fail")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer c.Close()
	for _, iv := range []time.Duration{0, -time.Millisecond, 51 * time.Millisecond} {
		if _, err := StartProber(ctx, c, []string{"k"}, iv); err == nil {
			t.Errorf("interval %s must fail", iv)
		}
	}
	if _, err := StartProber(ctx, c, nil, 10*time.Millisecond); err == nil {
		t.Error("no keys must fail")
	}
}
