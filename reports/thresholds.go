package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// ThresholdConfig is a thresholds YAML file:
//
//	defaults: {rto_max: 5s, acked_lost_max: 0, min_acked_before_fault: 100}
//	scenarios:
//	  primary-kill: {rto_max: 2s}
//	labels:
//	  corruption: {acked_lost_max: 500}
//
// For a scenario, each limit comes from its scenario entry, else from its
// labels, else from defaults. When several of a scenario's labels set the
// same limit, the strictest (smallest) wins.
type ThresholdConfig struct {
	Defaults  Limits            `yaml:"defaults"`
	Scenarios map[string]Limits `yaml:"scenarios"`
	Labels    map[string]Limits `yaml:"labels"`
}

// Limits is one block of a thresholds file; unset fields are nil.
type Limits struct {
	RTOMax              *YAMLDuration `yaml:"rto_max"`
	DetectMax           *YAMLDuration `yaml:"detect_max"`
	AckedLostMax        *YAMLCount    `yaml:"acked_lost_max"`
	MinAckedBeforeFault *YAMLCount    `yaml:"min_acked_before_fault"`
}

// YAMLDuration is a non-negative Go duration string in YAML ("2s", "500ms").
type YAMLDuration time.Duration

// YAMLCount is a non-negative integer in YAML.
type YAMLCount int64

// ThresholdError is a problem in a thresholds file at a line and column.
type ThresholdError struct {
	Line, Column int
	Msg          string
}

// Error implements error.
func (e *ThresholdError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func nodeError(n ast.Node, format string, args ...any) error {
	e := &ThresholdError{Msg: fmt.Sprintf(format, args...)}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}

// UnmarshalYAML parses a duration string, with its position on error.
func (d *YAMLDuration) UnmarshalYAML(n ast.Node) error {
	s, ok := n.(*ast.StringNode)
	if !ok {
		return nodeError(n, "%s: want a duration like \"2s\" or \"500ms\", got %s", n.GetPath(), n.String())
	}
	v, err := time.ParseDuration(s.Value)
	if err != nil {
		return nodeError(n, "%s: bad duration %q (want e.g. \"2s\", \"500ms\")", n.GetPath(), s.Value)
	}
	if v < 0 {
		return nodeError(n, "%s: negative duration %q", n.GetPath(), s.Value)
	}
	*d = YAMLDuration(v)
	return nil
}

// UnmarshalYAML parses a non-negative integer, with its position on error.
func (c *YAMLCount) UnmarshalYAML(n ast.Node) error {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		return nodeError(n, "%s: want a non-negative integer, got %s", n.GetPath(), n.String())
	}
	v, err := strconv.ParseInt(in.GetToken().Value, 0, 64)
	if err != nil || v < 0 {
		return nodeError(n, "%s: want a non-negative integer, got %s", n.GetPath(), in.GetToken().Value)
	}
	*c = YAMLCount(v)
	return nil
}

// ParseThresholds parses a thresholds YAML document strictly: unknown fields,
// duplicate keys, bad durations and negative counts are errors naming the
// line, column and field.
func ParseThresholds(data []byte) (ThresholdConfig, error) {
	var cfg ThresholdConfig
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict(), yaml.DisallowUnknownField())
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return ThresholdConfig{}, nil
		}
		return ThresholdConfig{}, fmt.Errorf("parse thresholds: %w", toThresholdError(err))
	}
	if err := cfg.validate(); err != nil {
		return ThresholdConfig{}, fmt.Errorf("parse thresholds: %w", err)
	}
	return cfg, nil
}

// validate rejects limits that cannot judge a run: a minimum of acked
// writes before the fault below 1 would pass a run that proves nothing.
func (c ThresholdConfig) validate() error {
	check := func(where string, l Limits) error {
		if l.MinAckedBeforeFault != nil && *l.MinAckedBeforeFault < 1 {
			return fmt.Errorf("%s.min_acked_before_fault: must be at least 1 (a run with no traffic before the fault proves nothing), got %d", where, *l.MinAckedBeforeFault)
		}
		return nil
	}
	if err := check("defaults", c.Defaults); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		if err := check("labels."+k, c.Labels[k]); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Scenarios)) {
		if err := check("scenarios."+k, c.Scenarios[k]); err != nil {
			return err
		}
	}
	return nil
}

// LoadThresholds reads and parses a thresholds YAML file.
func LoadThresholds(path string) (ThresholdConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ThresholdConfig{}, fmt.Errorf("load thresholds: %w", err)
	}
	cfg, err := ParseThresholds(b)
	if err != nil {
		return ThresholdConfig{}, fmt.Errorf("load thresholds %s: %w", path, err)
	}
	return cfg, nil
}

func toThresholdError(err error) error {
	var te *ThresholdError
	if errors.As(err, &te) {
		return te
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &ThresholdError{Msg: ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return err
}

// For resolves the thresholds of a scenario by name and labels.
func (c ThresholdConfig) For(name string, labels []string) Thresholds {
	var t Thresholds
	apply := func(l Limits) {
		if l.RTOMax != nil {
			t.RTOMax = ptr(Millis(*l.RTOMax))
		}
		if l.DetectMax != nil {
			t.DetectMax = ptr(Millis(*l.DetectMax))
		}
		if l.AckedLostMax != nil {
			t.AckedLostMax = ptr(int64(*l.AckedLostMax))
		}
		if l.MinAckedBeforeFault != nil {
			t.MinAckedBeforeFault = ptr(int64(*l.MinAckedBeforeFault))
		}
	}
	apply(c.Defaults)
	apply(c.labelLimits(labels))
	if l, ok := c.Scenarios[name]; ok {
		apply(l)
	}
	return t
}

// labelLimits merges the blocks of every matching label, strictest first.
func (c ThresholdConfig) labelLimits(labels []string) Limits {
	var out Limits
	for _, lab := range slices.Sorted(slices.Values(labels)) {
		l, ok := c.Labels[lab]
		if !ok {
			continue
		}
		out.RTOMax = minPtr(out.RTOMax, l.RTOMax)
		out.DetectMax = minPtr(out.DetectMax, l.DetectMax)
		out.AckedLostMax = minPtr(out.AckedLostMax, l.AckedLostMax)
		// For a minimum of traffic, "strictest" is the largest.
		if l.MinAckedBeforeFault != nil && (out.MinAckedBeforeFault == nil || *l.MinAckedBeforeFault > *out.MinAckedBeforeFault) {
			out.MinAckedBeforeFault = l.MinAckedBeforeFault
		}
	}
	return out
}

func minPtr[T ~int64](a, b *T) *T {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case *b < *a:
		return b
	default:
		return a
	}
}

func ptr[T any](v T) *T { return &v }
