package main

import (
	"github.com/spf13/pflag"

	"github.com/redisdrill/redisdrill/recovery/detect"
)

// detectFlag is --detect auto|probe: an unknown mode fails at flag parse
// (exit 2). Unset, it leaves each plan's own mode (auto by default).
type detectFlag struct{ mode detect.Mode }

// String implements pflag.Value.
func (f *detectFlag) String() string { return string(f.mode) }

// Set implements pflag.Value.
func (f *detectFlag) Set(s string) error {
	m, err := detect.ParseMode(s)
	if err != nil {
		return err
	}
	f.mode = m
	return nil
}

// Type implements pflag.Value.
func (f *detectFlag) Type() string { return "auto|probe" }

// addDetectFlag registers --detect on fs.
func addDetectFlag(fs *pflag.FlagSet, f *detectFlag) {
	fs.Var(f, "detect", "what the engine may detect failures from: auto (Docker events + probes) or probe (only what a sidecar next to Redis sees: replies, refused connections, timeouts); default: each scenario's own (auto)")
}
