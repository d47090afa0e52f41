package aof

import (
	"fmt"
)

// CutFlush undoes an accidental FLUSHALL/FLUSHDB: it returns data cut from
// the last flush command to the end of the file. Commands written after the
// flush are dropped too (they ran against the emptied dataset, so replaying
// them without the flush would not give a state that ever existed); the
// report counts them so the caller can judge the loss. A flush inside
// MULTI/EXEC cuts from the MULTI, and a #TS annotation right before the cut is
// removed with it. The input must be a valid RESP AOF (repair it first).
func CutFlush(data []byte) ([]byte, TruncateReport, error) {
	rep := TruncateReport{Size: int64(len(data)), At: int64(len(data))}
	var cut int64 = -1
	var annStart, annEnd, multiStart int64 = -1, -1, -1
	var flushName string
	total, upTo := 0, 0
	s := scan(data, 0, visitor{
		annotation: func(a Annotation) bool {
			annStart, annEnd = a.Offset, a.End
			return true
		},
		command: func(c Command) bool {
			name := c.Name()
			if name == "MULTI" {
				multiStart = c.Offset
			}
			if name == "FLUSHALL" || name == "FLUSHDB" {
				at := c.Offset
				if c.InMulti && multiStart >= 0 {
					at = multiStart
				}
				if annEnd == at {
					at = annStart
				}
				cut, flushName, upTo = at, name, total
			}
			if !c.InMulti || name == "EXEC" {
				multiStart = -1
			}
			total++
			return true
		},
	})
	if s.problem != "" {
		return nil, rep, fmt.Errorf("cut flush: offset %d: %s: %w", s.problemAt, s.problem, ErrCorrupt)
	}
	if cut < 0 {
		return nil, rep, fmt.Errorf("cut flush: %w", ErrNoFlush)
	}
	kept := scan(data[:cut], 0, visitor{})
	rep.At, rep.Kept, rep.Cut = cut, cut, rep.Size-cut
	rep.CommandsKept = kept.commands
	rep.CommandsCut = total - kept.commands
	rep.CutAfterFlush = total - upTo - 1
	rep.FlushCommand = flushName
	return data[:cut], rep, nil
}
