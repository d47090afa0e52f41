package aof

import (
	"fmt"
)

// TruncateReport says what TruncateToTimestamp or CutFlush removed.
type TruncateReport struct {
	Size          int64  `json:"size"`
	Kept          int64  `json:"kept"`
	Cut           int64  `json:"cut"`
	CommandsKept  int    `json:"commands_kept"`
	CommandsCut   int    `json:"commands_cut"`
	At            int64  `json:"at"`                  // offset of the first removed byte (Size when nothing)
	Timestamp     int64  `json:"timestamp,omitempty"` // the #TS of the cut annotation
	FlushCommand  string `json:"flush_command,omitempty"`
	CutAfterFlush int    `json:"cut_after_flush,omitempty"` // commands after the flush that were dropped too
}

// TruncateToTimestamp returns data cut at the first "#TS:t" annotation with
// t > unixSecond, like redis-check-aof --truncate-to-timestamp on the last
// file: everything written after that second is dropped. The input must be
// valid up to the cut (repair it first); it is never modified.
func TruncateToTimestamp(data []byte, unixSecond int64) ([]byte, TruncateReport, error) {
	rep := TruncateReport{Size: int64(len(data)), At: int64(len(data))}
	var badTS string
	cut := int64(-1)
	kept := 0
	s := scan(data, 0, visitor{
		annotation: func(a Annotation) bool {
			if len(a.Text) >= 3 && a.Text[:3] == "TS:" {
				ts, ok := a.Timestamp()
				if !ok {
					badTS = a.Text
					return false
				}
				if ts > unixSecond {
					cut, rep.Timestamp = a.Offset, ts
					return false
				}
			}
			return true
		},
		command: func(Command) bool { kept++; return true },
	})
	if badTS != "" {
		return nil, rep, fmt.Errorf("truncate aof to timestamp: invalid annotation %q: %w", badTS, ErrCorrupt)
	}
	if cut < 0 {
		if s.problem != "" {
			return nil, rep, fmt.Errorf("truncate aof to timestamp: offset %d: %s: %w", s.problemAt, s.problem, ErrCorrupt)
		}
		rep.Kept, rep.CommandsKept = rep.Size, kept
		return data, rep, nil
	}
	if cut == 0 {
		return nil, rep, fmt.Errorf("truncate aof to timestamp %d: nothing before it: %w", unixSecond, ErrCorrupt)
	}
	rest := scan(data, cut, visitor{})
	rep.At, rep.Kept, rep.Cut = cut, cut, rep.Size-cut
	rep.CommandsKept, rep.CommandsCut = kept, rest.commands
	return data[:cut], rep, nil
}
