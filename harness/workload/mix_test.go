package workload

import (
	"reflect"
	"strings"
	"testing"
)

func TestMixerIsSeeded(t *testing.T) {
	draw := func(seed int64) []string {
		m := newMixer(MixAll(), seed, 3)
		var out []string
		for range 200 {
			k, key := m.next("p", 3)
			out = append(out, string(k)+" "+key)
			if k == KindSetTTL {
				out = append(out, m.ttl().String())
			}
		}
		return out
	}
	a, b := draw(42), draw(42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("one seed gave two sequences")
	}
	if reflect.DeepEqual(a, draw(43)) {
		t.Fatal("two seeds gave one sequence")
	}
	kinds := map[string]bool{}
	for _, s := range a {
		kinds[strings.Fields(s)[0]] = true
	}
	for _, k := range Kinds() {
		if !kinds[string(k)] {
			t.Errorf("kind %s never drawn in 200 ops", k)
		}
	}
}

func TestProfileMixValidation(t *testing.T) {
	p := DefaultProfile()
	p.Mix = []Kind{KindSet, "lpop"}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), `unknown write kind "lpop"`) {
		t.Errorf("unknown kind: %v", err)
	}
	p.Mix = []Kind{KindIncr, KindIncr}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated kind: %v", err)
	}
	p.Mix, p.Rate, p.CatchUp = MixAll(), 0, true
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "catch-up needs a rate") {
		t.Errorf("catch-up without rate: %v", err)
	}
}
