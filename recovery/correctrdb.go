package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// CorrectRDB brings back a node that refused its dump.rdb when the damage
// is one flipped bit: the RDB's CRC-64 is linear over GF(2), so the
// syndrome locates the bit (rdb.CorrectSingleBit). The corrected copy must
// match its checksum and parse in full before it is installed; the damaged
// original goes to quarantine. Wider damage is left to a backup restore.
type CorrectRDB struct{}

// Name implements Strategy.
func (CorrectRDB) Name() string { return "correct-rdb" }

// Estimate implements Strategy.
func (CorrectRDB) Estimate(ctx context.Context, env Env, inc *Incident) (Estimate, error) {
	if why := rdbCorrectable(env, inc); why != "" {
		return Estimate{Why: why}, nil
	}
	_, corr, err := correctNodeRDB(ctx, inc.Failed)
	if err != nil {
		return Estimate{Why: err.Error()}, nil
	}
	return Estimate{Applicable: true, Why: describeCorrection(corr), LostKeys: lossVersus(inc.PreFaultKeys, int64(corr.Keys)), Duration: time.Second}, nil
}

// Execute implements Strategy.
func (CorrectRDB) Execute(ctx context.Context, env Env, inc *Incident, tl *Timeline) error {
	n := inc.Failed
	var fixed []byte
	var corr rdb.Correction
	err := tl.Do("correct copy", func() (string, error) {
		var err error
		fixed, corr, err = correctNodeRDB(ctx, n)
		return describeCorrection(corr), err
	})
	if err != nil {
		return err
	}
	return reloadInPlace(ctx, env, inc, tl, []string{rediskit.RDBFileName}, payload{
		lay: func(dir string) (string, error) {
			if err := os.WriteFile(filepath.Join(dir, rediskit.RDBFileName), fixed, 0o644); err != nil {
				return "", fmt.Errorf("write corrected %s: %w", rediskit.RDBFileName, err)
			}
			return "corrected " + rediskit.RDBFileName, nil
		},
		installed: func() { noteCorrection(env, inc, corr) },
	})
}

// noteCorrection records a correct-rdb salvage in the recovery's evidence.
func noteCorrection(env Env, inc *Incident, corr rdb.Correction) {
	env.noteSalvage(Salvage{
		Method: "rdb-single-bit", File: rediskit.RDBFileName,
		Damaged: []ByteRange{{Offset: corr.Offset, Length: 1}},
		Kept:    int64(corr.Keys), Unit: "keys",
		SHA256Before: corr.SHA256Before, SHA256After: corr.SHA256After,
		Detail: describeCorrection(corr),
	})
}

// rdbFilePath is the RDB a node with RDB persistence loads.
func rdbFilePath(n deploy.Node) string { return n.DataDir() + "/" + rediskit.RDBFileName }

// rdbCorrectable says why CorrectRDB does not apply ("" when it may).
func rdbCorrectable(env Env, inc *Incident) string {
	switch {
	case inc.Failed == nil || inc.Kind != RefusesStart:
		return "the node did not refuse its files"
	case env.Deployment().Topology().Persistence != rediskit.PersistRDB:
		return "the node loads its AOF, not dump.rdb"
	case inc.AOFBroken || inc.IdentityBroken:
		return "the refusal was not about dump.rdb"
	}
	return ""
}

// correctNodeRDB reads the node's dump.rdb and returns the corrected copy.
func correctNodeRDB(ctx context.Context, n deploy.Node) ([]byte, rdb.Correction, error) {
	data, err := n.ReadFile(ctx, rdbFilePath(n))
	if err != nil {
		return nil, rdb.Correction{}, fmt.Errorf("read %s of %s: %w", rediskit.RDBFileName, n.Name(), err)
	}
	fixed, corr, err := rdb.CorrectSingleBit(data)
	switch {
	case errors.Is(err, rdb.ErrNothingToCorrect):
		return nil, corr, fmt.Errorf("correct %s: its checksum matches: the damage is not a flipped bit", rediskit.RDBFileName)
	case err != nil:
		return nil, corr, fmt.Errorf("correct %s: %w", rediskit.RDBFileName, err)
	}
	return fixed, corr, nil
}

// describeCorrection says what a correction changed, in one line.
func describeCorrection(c rdb.Correction) string {
	if c.SHA256After == "" {
		return ""
	}
	where := fmt.Sprintf("byte %d bit %d (0x%02x→0x%02x)", c.Offset, c.Bit, c.ByteBefore, c.ByteAfter)
	if c.InTrailer {
		where = fmt.Sprintf("checksum trailer byte %d bit %d", c.Offset, c.Bit)
	}
	return fmt.Sprintf("flipped %s back: CRC-64 matches and the file parses, %d keys (a wider error would pass for one bit with odds %.1e)", where, c.Keys, c.MisCorrectionOdds)
}
