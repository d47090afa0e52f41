package explore

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func mustEncode(t *testing.T, c Config) []byte {
	t.Helper()
	s, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateIsByteIdentical(t *testing.T) {
	c := Config{Seed: 42, Duration: 3 * time.Minute, Faults: []string{"kill", "pause", "partition", "flushall", "corruption", "disk-full", "loss"}}
	a, b := mustEncode(t, c), mustEncode(t, c)
	if !bytes.Equal(a, b) {
		t.Fatalf("same seed gave different schedules:\n%s\n%s", a, b)
	}
	c2 := c
	c2.Faults = []string{"loss", "disk-full", "corruption", "flushall", "partition", "pause", "kill"}
	if !bytes.Equal(a, mustEncode(t, c2)) {
		t.Fatal("the order of --faults changed the schedule")
	}
	c.Seed = 43
	if bytes.Equal(a, mustEncode(t, c)) {
		t.Fatal("another seed gave the same schedule")
	}
}

func TestGenerateDrawsEveryKindAndOverlaps(t *testing.T) {
	kinds := map[string]bool{}
	overlaps, replicas := 0, 0
	for seed := int64(1); seed <= 40; seed++ {
		s, err := Generate(Config{Seed: seed, Duration: 5 * time.Minute, Faults: []string{"kill", "stop", "pause", "partition", "corruption", "flushall", "disk-full"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if l := s.Length() + time.Duration(len(s.Bursts()))*recoverAllowance; l > s.Duration.D() {
			t.Fatalf("seed %d: schedule needs %s, more than its duration %s", seed, l, s.Duration.D())
		}
		for _, e := range s.Events {
			kinds[e.Fault] = true
			if e.Overlap {
				overlaps++
			}
			if e.Target.Role == "replica" {
				replicas++
			}
			if primaryOnly(e.Fault) && e.Target.Role != "shard-primary" {
				t.Fatalf("seed %d: %s on %s", seed, e.Fault, e.Target)
			}
		}
		if _, err := s.Plan("explore"); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	for _, k := range []string{"kill", "stop", "pause", "partition-minority", "partition-node", "flushall", "disk-full", "rdb-bitflip", "wipe-data-dir"} {
		if !kinds[k] {
			t.Errorf("never drew %s", k)
		}
	}
	if overlaps == 0 || replicas == 0 {
		t.Errorf("overlaps %d, replica targets %d: want some of each", overlaps, replicas)
	}
}

func TestConfigRejectsBadInput(t *testing.T) {
	for _, c := range []Config{
		{Duration: time.Second},
		{Faults: []string{"nope"}},
		{Topology: "3y1"},
		{Recovery: "magic"},
		{Durability: "loose"},
		{Recovery: RecoveryNative, Detect: "probe"},
		{Detect: "psychic"},
		{AllowLoss: -time.Second},
		{Topology: "1+1", Faults: []string{"partition-minority"}},
	} {
		if _, err := Generate(c); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

func TestScheduleRoundTrip(t *testing.T) {
	s, err := Generate(Config{Seed: 7, Duration: time.Minute, Recovery: RecoveryNative, Durability: DurabilityRelaxed, AllowLoss: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Encode()
	back, err := DecodeSchedule(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Encode()
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip changed the schedule:\n%s\n%s", b, b2)
	}
	if _, err := DecodeSchedule([]byte(strings.Replace(string(b), `"seed"`, `"sed"`, 1))); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, err := DecodeSchedule([]byte(`{"version":1}`)); err == nil {
		t.Fatal("empty schedule accepted")
	}
	bad := sample()
	bad.Events[1].Fault = "partition-minority"
	if err := bad.Validate(); err == nil {
		t.Fatal("an overlapping partition-minority accepted")
	}
}
