package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ArchiveJSONFile is the file WriteArchiveFiles writes.
const ArchiveJSONFile = "archive-bench.json"

// WriteArchiveJSON writes an archive bench result as indented JSON.
func WriteArchiveJSON(w io.Writer, r *ArchiveResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write archive bench json: %w", err)
	}
	return nil
}

// ReadArchiveJSON reads a result written by WriteArchiveJSON and recomputes
// every derived figure from its raw samples.
func ReadArchiveJSON(rd io.Reader) (*ArchiveResult, error) {
	var r ArchiveResult
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("read archive bench json: %w", err)
	}
	if r.Version != ArchiveFormatVersion {
		return nil, fmt.Errorf("read archive bench json: version %d, want %d", r.Version, ArchiveFormatVersion)
	}
	r.Summarize()
	return &r, nil
}

// WriteArchiveFiles writes archive-bench.json into dir (created when
// missing), atomically, and returns its path.
func WriteArchiveFiles(dir string, r *ArchiveResult) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create output dir: %w", err)
	}
	p := filepath.Join(dir, ArchiveJSONFile)
	if err := writeAtomic(p, func(w io.Writer) error { return WriteArchiveJSON(w, r) }); err != nil {
		return "", err
	}
	return p, nil
}
