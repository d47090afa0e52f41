package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// FileName is the name of the history file the workload writes into a run's
// evidence folder.
const FileName = "history.jsonl"

// ReadJSONL reads a history written by WriteJSONL: one JSON Op per line,
// blank lines skipped. A line that does not decode fails the read, naming
// its line number. Fields the Op type does not know are ignored.
func ReadJSONL(r io.Reader) ([]Op, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var ops []Op
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read history line %d: %w", line, err)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			var op Op
			if uerr := json.Unmarshal(t, &op); uerr != nil {
				return nil, fmt.Errorf("read history line %d: %w", line, uerr)
			}
			ops = append(ops, op)
		}
		if err != nil {
			return ops, nil
		}
	}
}

// WriteJSONL writes ops to w, one JSON object per line, in the order given.
func WriteJSONL(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			return fmt.Errorf("write history op %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}
