package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/reports"
)

// File names written by WriteFiles.
const (
	JSONFile = "bench.json"
	HTMLFile = "bench.html"
)

// WriteJSON writes the result as indented JSON.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write bench json: %w", err)
	}
	return nil
}

// ReadJSON reads a result written by WriteJSON and recomputes its
// summaries from the raw samples.
func ReadJSON(rd io.Reader) (*Result, error) {
	var r Result
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("read bench json: %w", err)
	}
	if r.Version != FormatVersion {
		return nil, fmt.Errorf("read bench json: version %d, want %d", r.Version, FormatVersion)
	}
	r.Summarize()
	return &r, nil
}

// WriteFiles writes bench.json and bench.html into dir (created when
// missing) and returns their paths.
func WriteFiles(dir string, r *Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output dir: %w", err)
	}
	var paths []string
	for _, f := range []struct {
		name  string
		write func(io.Writer, *Result) error
	}{{JSONFile, WriteJSON}, {HTMLFile, WriteHTML}} {
		p := filepath.Join(dir, f.name)
		if err := writeAtomic(p, func(w io.Writer) error { return f.write(w, r) }); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// writeAtomic renders a file in memory and writes it atomically
// (reports.WriteFileAtomic: temp file, fsync, rename).
func writeAtomic(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return reports.WriteFileAtomic(path, buf.Bytes())
}
