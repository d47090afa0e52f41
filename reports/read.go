package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ReadRun reads a report.json file, or a gzipped one (report.json.gz, as
// committed under docs/runs); it rejects any schema other than
// SchemaVersion.
func ReadRun(path string) (Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Run{}, fmt.Errorf("read run: %w", err)
	}
	var r io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) { // gzip's magic number
		zr, err := gzip.NewReader(r)
		if err != nil {
			return Run{}, fmt.Errorf("read run %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	run, err := DecodeRun(r)
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", path, err)
	}
	return run, nil
}

// DecodeRun decodes a Run from JSON; it rejects any schema other than
// SchemaVersion and unknown fields.
func DecodeRun(r io.Reader) (Run, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Run{}, fmt.Errorf("decode run: %w", err)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Run{}, fmt.Errorf("decode run: %w", err)
	}
	switch {
	case head.Schema == nil:
		return Run{}, fmt.Errorf("decode run: no \"schema\" field (want %q)", SchemaVersion)
	case *head.Schema != SchemaVersion:
		return Run{}, fmt.Errorf("decode run: unsupported schema %q (this build reads %q)", *head.Schema, SchemaVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var run Run
	if err := dec.Decode(&run); err != nil {
		return Run{}, fmt.Errorf("decode run: %w", err)
	}
	return run, nil
}
