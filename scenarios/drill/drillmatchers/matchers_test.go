package drillmatchers

import (
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/scenarios/drill"
)

func TestMatchers(t *testing.T) {
	good := &drill.Result{Verified: true, Measured: true, ClientRTO: 800 * time.Millisecond, AckedWrites: 1000}
	lossy := &drill.Result{Verified: true, Measured: true, ClientRTO: 3 * time.Second, AckedWrites: 1000, AckedLost: 7, LostKeys: []string{"k1"}}
	unverified := &drill.Result{Verified: false, EngineDone: time.Millisecond}
	unmeasured := &drill.Result{Verified: true, EngineDone: 300 * time.Millisecond}
	cases := []struct {
		name    string
		m       interface{ Match(any) (bool, error) }
		actual  any
		want    bool
		wantErr bool
	}{
		{"fast enough", RecoverWithin(time.Second), good, true, false},
		{"too slow", RecoverWithin(time.Second), lossy, false, false},
		{"engine time when unmeasured", RecoverWithin(time.Second), unmeasured, true, false},
		{"unverified never recovers", RecoverWithin(time.Hour), unverified, false, false},
		{"no loss", LoseNoAckedWrites(), good, true, false},
		{"loss", LoseNoAckedWrites(), lossy, false, false},
		{"loss within bound", LoseAtMost(7), lossy, true, false},
		{"loss past bound", LoseAtMost(6), lossy, false, false},
		{"loss needs Measure", LoseAtMost(100), unmeasured, false, false},
		{"wrong type", LoseAtMost(1), "nope", false, true},
		{"nil result", RecoverWithin(time.Second), (*drill.Result)(nil), false, true},
	}
	for _, c := range cases {
		got, err := c.m.Match(c.actual)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: Match = %v, %v; want %v (error %v)", c.name, got, err, c.want, c.wantErr)
		}
	}
	m := LoseNoAckedWrites()
	if ok, _ := m.Match(lossy); ok {
		t.Fatal("lossy matched")
	}
	if msg := m.FailureMessage(lossy); !strings.Contains(msg, "7 of 1000 acknowledged writes were lost") {
		t.Errorf("failure message %q", msg)
	}
}
