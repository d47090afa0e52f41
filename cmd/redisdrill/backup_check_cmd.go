package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/backup"
)

func newBackupCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check DIR",
		Short: "Verify every backup of a catalog (checksums, RDB structure); exit 1 naming each bad one",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := args[0]
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return fmt.Errorf("backup check: %s is not a catalog directory", dir)
			}
			cat, err := backup.Open(dir)
			if err != nil {
				return fmt.Errorf("open catalog: %w", err)
			}
			list, err := cat.List()
			if err != nil {
				return fmt.Errorf("list catalog: %w", err)
			}
			if len(list) == 0 {
				return fmt.Errorf("backup check: no backups in %s", dir)
			}
			var bad []string
			for _, m := range list {
				rep, err := cat.Verify(m.ID)
				if err != nil {
					a.printf("FAIL %s: %v\n", m.ID, err)
					bad = append(bad, m.ID)
					continue
				}
				for _, line := range reportLines(rep) {
					a.printf("%s\n", line)
				}
				if !rep.OK {
					bad = append(bad, m.ID)
				}
			}
			if len(bad) > 0 {
				return failed(fmt.Errorf("%d of %d backups failed verification: %s", len(bad), len(list), strings.Join(bad, ", ")))
			}
			a.printf("%d backups verified\n", len(list))
			return nil
		},
	}
}
