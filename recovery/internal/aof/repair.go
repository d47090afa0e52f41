package aof

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// RepairReport says what Repair did.
type RepairReport struct {
	Source       string `json:"source"`
	Dest         string `json:"dest"`
	Size         int64  `json:"size"`
	Kept         int64  `json:"kept"`
	Cut          int64  `json:"cut"`
	CommandsKept int    `json:"commands_kept"`
	Problem      string `json:"problem,omitempty"`
	ProblemAt    int64  `json:"problem_at,omitempty"`
}

// Repair does what redis-check-aof --fix does — keep the valid prefix, drop
// everything from the first bad byte (or an unfinished MULTI) to the end —
// but writes the result to dst and never touches src. dst is written
// atomically (temporary file, fsync, rename).
func Repair(src, dst string) (RepairReport, error) {
	rep := RepairReport{Source: src, Dest: dst}
	if err := notSameFile(src, dst); err != nil {
		return rep, err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return rep, fmt.Errorf("repair aof: %w", err)
	}
	res, err := Check(data)
	if err != nil {
		return rep, fmt.Errorf("repair aof %s: %w", src, err)
	}
	rep.Size, rep.Kept, rep.Cut, rep.CommandsKept = res.Size, res.ValidUpTo, res.Cut(), res.Commands
	rep.Problem, rep.ProblemAt = res.Problem, res.ProblemAt
	if err := atomicfile.Write(dst, data[:res.ValidUpTo]); err != nil {
		return rep, fmt.Errorf("repair aof: %w", err)
	}
	return rep, nil
}

// notSameFile refuses a destination that is the source.
func notSameFile(src, dst string) error {
	a, errA := filepath.Abs(src)
	b, errB := filepath.Abs(dst)
	if errA == nil && errB == nil && a == b {
		return fmt.Errorf("repair aof %s: %w", src, ErrInPlace)
	}
	si, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("repair aof: %w", err)
	}
	if di, err := os.Stat(dst); err == nil && os.SameFile(si, di) {
		return fmt.Errorf("repair aof %s: %w", src, ErrInPlace)
	}
	return nil
}
