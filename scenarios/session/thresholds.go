package session

import (
	"time"

	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/reports"
)

// Thresholds is the one place a run's limits are merged: the plan's own
// limits, then every limit a thresholds file sets for the plan's name or
// labels on top, then the defaults for what is still unset (at least
// workload.DefaultMinAcked acked writes before the fault; rto_max =
// rtoTimeout).
func Thresholds(own reports.Thresholds, file *reports.ThresholdConfig, name string, labels []string, rtoTimeout time.Duration) reports.Thresholds {
	t := own
	if file != nil {
		f := file.For(name, labels)
		if f.RTOMax != nil {
			t.RTOMax = f.RTOMax
		}
		if f.DetectMax != nil {
			t.DetectMax = f.DetectMax
		}
		if f.AckedLostMax != nil {
			t.AckedLostMax = f.AckedLostMax
		}
		if f.MinAckedBeforeFault != nil {
			t.MinAckedBeforeFault = f.MinAckedBeforeFault
		}
	}
	if t.MinAckedBeforeFault == nil || *t.MinAckedBeforeFault < 1 {
		v := int64(workload.DefaultMinAcked)
		t.MinAckedBeforeFault = &v
	}
	if t.RTOMax == nil {
		v := reports.Millis(rtoTimeout)
		t.RTOMax = &v
	}
	return t
}
