package bench

import (
	"math"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1}, 10},
	} {
		in := append([]float64(nil), tc.in...)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("Median modified its input: %v", tc.in)
			}
		}
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{300, 100, math.NaN(), 200, 1000})
	want := Summary{N: 4, Median: 250, Min: 100, Max: 1000}
	if s != want {
		t.Fatalf("Summarize = %+v, want %+v", s, want)
	}
	if got := s.Spread(); math.Abs(got-3.6) > 1e-9 {
		t.Errorf("Spread = %v, want 3.6", got)
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) not zero")
	}
	if (Summary{}).Spread() != 0 {
		t.Error("zero Summary spread not 0")
	}
}

func TestRatio(t *testing.T) {
	if Ratio(3, 2) != 1.5 || Ratio(1, 0) != 0 || Ratio(1, -1) != 0 {
		t.Error("Ratio wrong")
	}
}

func TestLoadSeconds(t *testing.T) {
	log := `1:M 25 Nov 2026 09:00:00.000 * DB loaded from base file appendonly.aof.1.base.rdb: 0.412 seconds
1:M 25 Nov 2026 09:00:00.001 * DB loaded from append only file: 0.415 seconds
1:M 25 Nov 2026 09:00:00.002 * Ready to accept connections tcp`
	if got, ok := LoadSeconds(log); !ok || got != 0.415 {
		t.Errorf("LoadSeconds = %v, %v; want 0.415", got, ok)
	}
	if got, ok := LoadSeconds("* DB loaded from disk: 1.002 seconds"); !ok || got != 1.002 {
		t.Errorf("LoadSeconds(disk) = %v, %v", got, ok)
	}
	if _, ok := LoadSeconds("Ready to accept connections"); ok {
		t.Error("LoadSeconds found a load time in a log without one")
	}
}

func TestAxisMax(t *testing.T) {
	for in, want := range map[float64]float64{0: 1000, 120: 200, 7553: 10000, 4046: 5000, 1000: 1000, 1001: 2000} {
		if got := axisMax(in); got != want {
			t.Errorf("axisMax(%v) = %v, want %v", in, got, want)
		}
	}
}
