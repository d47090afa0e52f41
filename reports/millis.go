package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Millis is a duration that is serialized in JSON as a float number of
// milliseconds (e.g. 2410.5). Convert with Millis(d) and time.Duration(m).
type Millis time.Duration

// D returns m as a time.Duration.
func (m Millis) D() time.Duration { return time.Duration(m) }

// Ms returns m as float milliseconds.
func (m Millis) Ms() float64 { return float64(m) / float64(time.Millisecond) }

// Seconds returns m as float seconds.
func (m Millis) Seconds() float64 { return time.Duration(m).Seconds() }

// String formats m for people, e.g. "2.41s" or "500ms".
func (m Millis) String() string { return FormatDuration(time.Duration(m)) }

// MarshalJSON writes m as float milliseconds, rounded to the microsecond.
func (m Millis) MarshalJSON() ([]byte, error) {
	ms := math.Round(m.Ms()*1000) / 1000
	return json.Marshal(ms)
}

// UnmarshalJSON reads float milliseconds.
func (m *Millis) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("decode milliseconds %s: %w", b, err)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > float64(math.MaxInt64/int64(time.Millisecond)) {
		return fmt.Errorf("decode milliseconds %s: out of range", b)
	}
	*m = Millis(math.Round(f * float64(time.Millisecond)))
	return nil
}

// Rel returns t − t0 as Millis; a zero t yields 0.
func Rel(t0, t time.Time) Millis {
	if t.IsZero() || t0.IsZero() {
		return 0
	}
	return Millis(t.Sub(t0))
}

// FormatDuration formats d compactly for people: at or above one second it is
// rounded to 10 ms ("2.41s", "2s", "1m5.2s"), down to 10 ms to 1 ms
// ("500ms"), down to 1 ms to 0.1 ms ("3.8ms"), below that to 1 µs.
func FormatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d == 0:
		s = "0s"
	case d >= time.Second:
		s = d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		s = d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		s = d.Round(100 * time.Microsecond).String()
	default:
		s = d.Round(time.Microsecond).String()
	}
	if neg {
		return "-" + s
	}
	return s
}
