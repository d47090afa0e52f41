package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FileType is the role of a file in a multi-part AOF.
type FileType string

// File types of the manifest's "type" field.
const (
	TypeBase    FileType = "b"
	TypeHistory FileType = "h"
	TypeIncr    FileType = "i"
)

// ManifestEntry is one "file … seq … type …" line.
type ManifestEntry struct {
	Name string   `json:"name"`
	Seq  int64    `json:"seq"`
	Type FileType `json:"type"`
	Line int      `json:"line"`
}

// Manifest is a parsed appendonly.aof.manifest, entries in file order.
type Manifest struct {
	Entries []ManifestEntry `json:"entries"`
}

// ParseManifest parses a Redis 7 AOF manifest. It applies the rules Redis
// applies when loading (required fields, known types, one base, increasing
// incr sequence numbers, plain file names, not empty) and one more: the base
// must be listed before any incr file, as Redis always writes it.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s: %w", line, fmt.Sprintf(format, args...), ErrManifest))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	var maxIncr int64 = -1
	haveBase, haveIncr := false, false
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(text, "#") {
			continue
		}
		args, err := splitArgs(text)
		if err != nil {
			bad(line, "%v", err)
			continue
		}
		if len(args) < 6 || len(args)%2 != 0 {
			bad(line, "want key/value pairs file, seq, type, got %d fields", len(args))
			continue
		}
		e := ManifestEntry{Line: line, Seq: -1}
		for i := 0; i < len(args); i += 2 {
			switch strings.ToLower(args[i]) {
			case "file":
				e.Name = args[i+1]
			case "seq":
				v, err := strconv.ParseInt(args[i+1], 10, 64)
				if err != nil || v < 1 {
					bad(line, "seq %q is not a positive integer", args[i+1])
				}
				e.Seq = v
			case "type":
				e.Type = FileType(args[i+1])
			} // unknown keys are ignored, as Redis does
		}
		switch {
		case e.Name == "" || e.Seq < 0 || e.Type == "":
			bad(line, "missing file, seq or type")
			continue
		case strings.ContainsAny(e.Name, "/\\"):
			bad(line, "file %q is a path, not a file name", e.Name)
		}
		switch e.Type {
		case TypeBase:
			if haveBase {
				bad(line, "second base file %s", e.Name)
			}
			if haveIncr {
				bad(line, "base file %s listed after an incr file", e.Name)
			}
			haveBase = true
		case TypeIncr:
			if e.Seq <= maxIncr {
				bad(line, "incr file %s has non-monotonic seq %d", e.Name, e.Seq)
			}
			maxIncr, haveIncr = e.Seq, true
		case TypeHistory:
		default:
			bad(line, "unknown file type %q", e.Type)
		}
		m.Entries = append(m.Entries, e)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read manifest: %w", err))
	}
	if len(m.Entries) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("no files listed: %w", ErrManifest))
	}
	if len(errs) > 0 {
		return m, fmt.Errorf("parse aof manifest: %w", errors.Join(errs...))
	}
	return m, nil
}

// Base returns the base file entry, if any.
func (m Manifest) Base() (ManifestEntry, bool) {
	for _, e := range m.Entries {
		if e.Type == TypeBase {
			return e, true
		}
	}
	return ManifestEntry{}, false
}

// Incr returns the incr files in load order.
func (m Manifest) Incr() []ManifestEntry {
	var out []ManifestEntry
	for _, e := range m.Entries {
		if e.Type == TypeIncr {
			out = append(out, e)
		}
	}
	return out
}

// LoadOrder returns the files Redis loads, in order: base, then incr files.
func (m Manifest) LoadOrder() []ManifestEntry {
	var out []ManifestEntry
	if b, ok := m.Base(); ok {
		out = append(out, b)
	}
	return append(out, m.Incr()...)
}

// Validate checks the manifest against the files present (name → size):
// every base and incr file must exist; history files may be gone already.
func (m Manifest) Validate(present map[string]int64) error {
	var errs []error
	for _, e := range m.LoadOrder() {
		if _, ok := present[e.Name]; !ok {
			errs = append(errs, fmt.Errorf("%s file %s (line %d) is missing: %w", e.Type.String(), e.Name, e.Line, ErrManifest))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("validate aof manifest: %w", errors.Join(errs...))
	}
	return nil
}

// String names the file type.
func (t FileType) String() string {
	switch t {
	case TypeBase:
		return "base"
	case TypeHistory:
		return "history"
	case TypeIncr:
		return "incr"
	}
	return string(t)
}

// Format renders the manifest as Redis writes it.
func (m Manifest) Format() []byte {
	var b bytes.Buffer
	for _, e := range m.Entries {
		name := e.Name
		if strings.ContainsAny(name, " \t\"'\\") {
			name = strconv.Quote(name)
		}
		fmt.Fprintf(&b, "file %s seq %d type %s\n", name, e.Seq, string(e.Type))
	}
	return b.Bytes()
}

// splitArgs splits a line like sdssplitargs: spaces separate, double quotes
// group with Go-style escapes.
func splitArgs(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		if s[0] == '"' {
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, fmt.Errorf("unbalanced quotes")
			}
			v, err := strconv.Unquote(s[:end+1])
			if err != nil {
				return nil, fmt.Errorf("bad quoted string %s", s[:end+1])
			}
			out = append(out, v)
			s = s[end+1:]
			continue
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			i = len(s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}
