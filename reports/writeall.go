package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// Report file names written by WriteAll.
const (
	FileJSON     = "report.json"
	FileJUnit    = "junit.xml"
	FileMarkdown = "summary.md"
	FileHTML     = "report.html"
)

// WriteAll writes report.json, junit.xml, summary.md and report.html into
// dir (created if missing), each atomically (temp file + rename), and
// returns their paths in that order. Every evidence path they record is
// relative to dir (RelativeArtifacts).
func WriteAll(dir string, run Run) ([]string, error) {
	run = RelativeArtifacts(run, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report dir: %w", err)
	}
	writers := []struct {
		name  string
		write func(io.Writer, Run) error
	}{
		{FileJSON, WriteJSON},
		{FileJUnit, WriteJUnit},
		{FileMarkdown, WriteMarkdown},
		{FileHTML, WriteHTML},
	}
	var paths []string
	for _, w := range writers {
		var buf bytes.Buffer
		if err := w.write(&buf, run); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, w.name)
		if err := WriteFileAtomic(p, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory, fsynced and renamed into place, so readers never see a partial
// file (internal/atomicfile.Write).
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.Write(path, data)
}
