package workload

import (
	"testing"
)

func TestSlotKnownValues(t *testing.T) {
	cases := map[string]int{
		"foo":       12182,
		"bar":       5061,
		"123456789": 0x31C3 & 16383, // CRC16-XMODEM check value 0x31C3
		"":          0,
		"{foo}bar":  12182, // hashtag
		"x{foo}":    12182,
	}
	for key, want := range cases {
		if got := Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	if crc16("123456789") != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3", crc16("123456789"))
	}
	if Slot("{user1000}.following") != Slot("{user1000}.followers") {
		t.Error("keys with the same hashtag must share a slot")
	}
	// Empty hashtag: the whole key is hashed (Redis cluster spec).
	if Slot("foo{}{bar}") != int(crc16("foo{}{bar}")&16383) {
		t.Error("an empty {} must not be a hashtag")
	}
	// Only the first {...} counts, and it ends at the first }.
	if Slot("foo{{bar}}zap") != Slot("{bar") {
		t.Error("foo{{bar}}zap must hash {bar")
	}
	if Slot("foo{bar}{zap}") != Slot("bar") {
		t.Error("foo{bar}{zap} must hash bar")
	}
	if Slot("foo{bar") != int(crc16("foo{bar")&16383) {
		t.Error("an unclosed { must not be a hashtag")
	}
}

// TestKeySpread checks that workload keys cover every slot and split evenly
// over shards.
func TestKeySpread(t *testing.T) {
	counts := make([]int, 16384)
	const clients, perClient = 64, 5000
	for c := 0; c < clients; c++ {
		for s := int64(0); s < perClient; s++ {
			counts[Slot(keyFor("rd:0a1b2c3d", c, s))]++
		}
	}
	minC, maxC := counts[0], counts[0]
	for _, n := range counts {
		minC, maxC = min(minC, n), max(maxC, n)
	}
	if minC == 0 {
		t.Fatalf("some slot received no key (min %d, max %d)", minC, maxC)
	}
	mean := float64(clients*perClient) / 16384
	if float64(maxC) > 3*mean {
		t.Errorf("hot slot: max %d keys vs mean %.1f", maxC, mean)
	}
	for _, shards := range []int{3, 5} {
		per := make([]int, shards)
		for s, n := range counts {
			per[s*shards/16384] += n
		}
		for i, n := range per {
			frac := float64(n) / float64(clients*perClient)
			if frac < 1/float64(shards)-0.01 || frac > 1/float64(shards)+0.01 {
				t.Errorf("%d shards: shard %d gets %.3f of keys", shards, i, frac)
			}
		}
	}
	t.Logf("slot load: min %d mean %.1f max %d", minC, mean, maxC)
}

func TestValueTag(t *testing.T) {
	pad := padding(1, 64)
	tag := tagFor("n0nce", 3, 42)
	if tag != "n0nce:3:42" {
		t.Fatalf("tag = %q", tag)
	}
	v := valueFor(tag, 64, pad)
	if len(v) != 64 || tagOf(v) != tag {
		t.Fatalf("value %q (len %d) does not carry tag %q", v, len(v), tag)
	}
	if v := valueFor(tag, 4, pad); v != tag || tagOf(v) != tag {
		t.Fatalf("short value %q must be the tag", v)
	}
	if padding(1, 16) != padding(1, 16) || padding(1, 16) == padding(2, 16) {
		t.Fatal("padding must be determined by the seed")
	}
	if keyFor("p", 7, 9) != "p:c7:9" {
		t.Fatalf("key = %q", keyFor("p", 7, 9))
	}
}
