package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/reports"
)

// Record is what the audit reads of measurement.json to re-judge a
// scenario's expectations: the engine's recoveries, the backup catalog,
// the first fault's target, the fences, and each shard's primary before
// the fault and after the run. These are the run's raw records, not the
// live path's figures.
type Record struct {
	Recoveries []Recovery `json:"recoveries"`
	// Catalog is every backup of the run's catalog with its start time
	// and whether it verified after the run.
	Catalog []Backup `json:"catalog"`
	// PointInTimeBefore is the point-in-time roll-back target, relative
	// to t0 (0 when none).
	PointInTimeBefore time.Duration `json:"point_in_time_before"`
	// Faults holds each fault's target as faults.json writes it:
	// "primary", "shard-primary:K", "shard:K", "node:NAME", ...
	Faults []struct {
		Params *struct {
			Target string `json:"target"`
		} `json:"params"`
	} `json:"faults"`
	Fences []Fence `json:"fences"`
	// Readmit lists fenced nodes the run could not readmit safely.
	Readmit []string `json:"readmit"`
	// PrimariesBefore/After name each shard's primary before the first
	// fault and after the run.
	PrimariesBefore []string `json:"primaries_before"`
	PrimariesAfter  []string `json:"primaries_after"`

	// AckedAt holds the complete time of every acked write of the ledger;
	// filled only when a loss bound needs it (within-backup-window).
	AckedAt []time.Time `json:"-"`
}

// Recovery is one recovery the engine ran, as measurement.json records it.
type Recovery struct {
	Strategy string `json:"strategy"`
	Incident string `json:"incident"`
	Node     string `json:"node"`
	Event    string `json:"event"`
	Verified bool   `json:"verified"`
	// BackupID names the backup it restored ("" when none).
	BackupID string `json:"backup_id"`
}

// Backup is one backup of the run's catalog.
type Backup struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Time     time.Time `json:"time"`
	Verified bool      `json:"verified"`
}

// kindArchivePoint is the catalog kind of a point materialized from a
// streaming archive (backup.KindArchivePoint).
const kindArchivePoint = "archive-point"

// Fence is how the engine fenced one old owner and what became of it.
type Fence struct {
	Node     string    `json:"node"`
	Method   string    `json:"method"`
	Detail   string    `json:"detail"`
	Returned time.Time `json:"returned"`
	Outcome  string    `json:"outcome"`
}

// ReadRecord reads the Record of the evidence folder dir.
func ReadRecord(dir string) (Record, error) {
	var r Record
	path := filepath.Join(dir, reports.FileMeasurement)
	data, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("read measurement: %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("read measurement: %s: %w", path, err)
	}
	return r, nil
}

// readAckedAt fills r.AckedAt from the ledger of dir.
func (r *Record) readAckedAt(dir string) error {
	ops, err := readLines(filepath.Join(dir, reports.FileLedger), "ledger", checkOp)
	if err != nil {
		return err
	}
	r.AckedAt = nil
	for _, op := range ops {
		if op.Outcome == "ok" {
			r.AckedAt = append(r.AckedAt, op.Complete)
		}
	}
	return nil
}

// restored is the catalog entry of the backup the first recovery
// restored: ok false when it restored none; an entry with a zero Time
// when the catalog does not hold it.
func (r Record) restored() (Backup, bool) {
	if len(r.Recoveries) == 0 || r.Recoveries[0].BackupID == "" {
		return Backup{}, false
	}
	id := r.Recoveries[0].BackupID
	for _, b := range r.Catalog {
		if b.ID == id {
			return b, true
		}
	}
	return Backup{ID: id}, true
}

// faultedShard is the shard the first fault targeted: K of
// "shard-primary:K" or "shard:K", else 0 (a bare "shard-primary" is shard
// 0's).
func (r Record) faultedShard() int {
	if len(r.Faults) == 0 || r.Faults[0].Params == nil {
		return 0
	}
	role, shard, _ := strings.Cut(r.Faults[0].Params.Target, ":")
	if role != "shard-primary" && role != "shard" {
		return 0
	}
	k, err := strconv.Atoi(shard)
	if err != nil || k < 0 {
		return 0
	}
	return k
}
