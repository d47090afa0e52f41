package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/scenarios"
)

func newScenariosCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the registered scenarios",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var rows [][]string
			for _, s := range scenarios.All() {
				rows = append(rows, []string{s.Name, strings.Join(s.AllLabels(), ","), s.Description})
			}
			return writeTable(a.stdout, []string{"NAME", "LABELS", "DESCRIPTION"}, rows)
		},
	}
}
