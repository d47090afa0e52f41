package aof

import (
	"fmt"
	"os"
	"strings"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// CheckResult describes one AOF file (RESP, or RDB preamble + RESP).
type CheckResult struct {
	Size         int64  `json:"size"`
	ValidUpTo    int64  `json:"valid_up_to"` // redis-check-aof's ok_up_to
	Commands     int    `json:"commands"`    // complete commands before ValidUpTo
	Annotations  int    `json:"annotations"`
	PreambleSize int64  `json:"preamble_size,omitempty"` // RDB part, 0 when none
	PreambleKeys int64  `json:"preamble_keys,omitempty"`
	Problem      string `json:"problem,omitempty"` // first problem, "" when valid
	ProblemAt    int64  `json:"problem_at,omitempty"`
	// Truncated is true when the only problem is that the data ends early
	// (Redis loads such a last file with aof-load-truncated); false for
	// garbage, which makes Redis refuse to start.
	Truncated bool `json:"truncated,omitempty"`
}

// OK reports whether the whole file is valid.
func (r CheckResult) OK() bool { return r.ValidUpTo == r.Size && r.Problem == "" }

// Cut is how many bytes a --fix would remove.
func (r CheckResult) Cut() int64 { return r.Size - r.ValidUpTo }

// Check scans an AOF file the way redis-check-aof does. A file starting with
// an RDB signature ("REDIS", or "VALKEY" from Valkey 9) has an RDB preamble (a base file, or an old-style mixed AOF); a
// corrupt preamble cannot be repaired by truncation and is returned as an
// error wrapping ErrCorrupt.
func Check(data []byte) (CheckResult, error) {
	res := CheckResult{Size: int64(len(data))}
	var start int64
	if rdb.HasSignature(data) {
		info, err := rdb.VerifyBytes(data)
		if err != nil {
			return res, fmt.Errorf("check aof: rdb preamble: %v: %w", err, ErrCorrupt)
		}
		start = info.Size
		res.PreambleSize, res.PreambleKeys = info.Size, info.Keys
	}
	s := scan(data, start, visitor{})
	res.ValidUpTo, res.Commands, res.Annotations = s.validUpTo, s.commands, s.annotations
	res.Problem, res.ProblemAt = s.problem, s.problemAt
	res.Truncated = strings.HasPrefix(s.problem, eofProblem)
	return res, nil
}

// CheckFile is Check on a file on disk.
func CheckFile(path string) (CheckResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return CheckResult{}, fmt.Errorf("check aof: %w", err)
	}
	return Check(data)
}

// FindCorruption returns the offset of the first byte redis-check-aof --fix
// would cut (the end of the valid prefix) and ok=true when nothing is wrong.
// A corrupt RDB preamble is reported at offset 0.
func FindCorruption(data []byte) (int64, bool) {
	res, err := Check(data)
	if err != nil {
		return 0, false
	}
	return res.ValidUpTo, res.OK()
}

// Commands parses every command of a valid RESP AOF (no preamble).
func Commands(data []byte) ([]Command, error) {
	var out []Command
	s := scan(data, 0, visitor{command: func(c Command) bool { out = append(out, c); return true }})
	if s.problem != "" {
		return out, fmt.Errorf("parse aof at offset %d: %s: %w", s.problemAt, s.problem, ErrCorrupt)
	}
	return out, nil
}
