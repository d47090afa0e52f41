package bench

import (
	"math"
	"sort"
)

// Summary is the median and spread of samples.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Summarize returns the median, min and max of xs (NaN values skipped); the
// zero Summary when there is none.
func Summarize(xs []float64) Summary {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Summary{}
	}
	sort.Float64s(v)
	return Summary{N: len(v), Median: Median(v), Min: v[0], Max: v[len(v)-1]}
}

// Median returns the median of xs (mean of the middle two for an even
// count); 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	v := append([]float64(nil), xs...)
	sort.Float64s(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// Ratio returns a / b, or 0 when b is not positive.
func Ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// Spread is (max − min) / median, the relative spread; 0 without a median.
func (s Summary) Spread() float64 { return Ratio(s.Max-s.Min, s.Median) }
