package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/redisdrill/redisdrill/reports"
)

// Error is a problem in a plan file at a line and column.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

// Error implements error.
func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	case e.Line > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return e.Msg
}

// Parse parses a plan strictly — unknown fields, duplicate keys and bad
// values are errors naming the line, column and field — then validates it.
func Parse(data []byte) (Plan, error) {
	var p Plan
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict(), yaml.DisallowUnknownField())
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return Plan{}, &Error{Msg: "empty plan"}
		}
		return Plan{}, toError(err)
	}
	if err := p.validate(); err != nil {
		return Plan{}, locate(data, err)
	}
	return p, nil
}

// Load reads and parses a plan file.
func Load(path string) (Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, fmt.Errorf("load plan: %w", err)
	}
	p, err := Parse(b)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.File = path
		}
		return Plan{}, fmt.Errorf("load plan: %w", err)
	}
	return p, nil
}

// toError turns a decoder error into an *Error with its position.
func toError(err error) error {
	var te *reports.ThresholdError
	if errors.As(err, &te) {
		return &Error{Line: te.Line, Column: te.Column, Msg: te.Msg}
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{Msg: ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{Msg: err.Error()}
}

// fieldError is a validation problem at a YAML path ("$.steps[2].heal").
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

func errAt(path, format string, args ...any) error {
	return &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
}

// locate finds the position of a validation error's path in the document.
func locate(data []byte, err error) error {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return &Error{Msg: err.Error()}
	}
	e := &Error{Msg: fe.Error()}
	file, perr := parser.ParseBytes(data, 0)
	if perr != nil {
		return e
	}
	p, perr := yaml.PathString(fe.path)
	if perr != nil {
		return e
	}
	n, perr := p.FilterFile(file)
	if perr != nil || n == nil {
		return e
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}
