package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// markRequired marks flags of cmd as required: cobra then fails before
// RunE with one line, `required flag(s) "addr" not set` (exit 2). A name
// that is not a flag of cmd is a programming error and panics.
func markRequired(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic("mark flag required: " + err.Error())
		}
	}
}

// notEmpty rejects a required flag given an empty value (--addr ""),
// which cobra's required check lets through: exit 2 with one line.
func notEmpty(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		if f := cmd.Flags().Lookup(n); f != nil && f.Value.String() == "" {
			return fmt.Errorf("%s: flag --%s must not be empty", cmd.CommandPath(), n)
		}
	}
	return nil
}
