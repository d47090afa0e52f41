package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/harness/workload"
)

// Measurement is what a run measured, saved next to the ledger and the
// probe ticks so every figure of the report can be derived again.
type Measurement struct {
	T0            time.Time      `json:"t0"`
	TReady        time.Time      `json:"t_ready"`
	Ready         bool           `json:"ready"`
	MeasuredUntil time.Time      `json:"measured_until"` // probe ticks after this did not count
	Check         workload.Check `json:"final_read"`
}

// MeasurementFile is the artifact holding a run's Measurement.
const MeasurementFile = "measurement.json"

func (r *run) saveMeasurement(m Measurement) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(r.artifactDir(), MeasurementFile), data, 0o644)
	}
	if err != nil {
		r.logger.Warn("cannot save measurement", "err", err)
	}
}

// Derived is what the saved artifacts of a run say, recomputed from scratch.
type Derived struct {
	RTO              time.Duration
	Ready            bool
	Acked            int
	AckedBeforeFault int
	Lost             int
}

// Rederive recomputes a run's figures from its artifact folder: RTO from
// the probe ticks, acked counts from the ledger, losses from the final read.
func Rederive(dir string) (Derived, error) {
	var d Derived
	var m Measurement
	data, err := os.ReadFile(filepath.Join(dir, MeasurementFile))
	if err != nil {
		return d, fmt.Errorf("read measurement: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return d, fmt.Errorf("parse measurement: %w", err)
	}
	lf, err := os.Open(filepath.Join(dir, "ledger.jsonl"))
	if err != nil {
		return d, fmt.Errorf("open ledger: %w", err)
	}
	defer lf.Close()
	ledger, err := workload.ReadJSONL(lf)
	if err != nil {
		return d, err
	}
	pf, err := os.Open(filepath.Join(dir, "probe.jsonl"))
	if err != nil {
		return d, fmt.Errorf("open probe ticks: %w", err)
	}
	defer pf.Close()
	ticks, err := workload.ReadTicksJSONL(pf)
	if err != nil {
		return d, err
	}
	var counted []workload.Tick
	for _, t := range ticks {
		if !t.Done.IsZero() && !t.Done.After(m.MeasuredUntil) {
			counted = append(counted, t)
		}
	}
	if tReady, ok := workload.ReadyAfter(counted, m.T0); ok {
		d.RTO, d.Ready = tReady.Sub(m.T0), true
	}
	d.Acked = ledger.Counts().OK
	d.AckedBeforeFault = ledger.AckedBefore(m.T0)
	d.Lost = m.Check.Lost
	return d, nil
}
