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
		Short: "Verify every backup of a catalog (manifest, checksums, RDB structure); exit 1 naming each bad one",
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
			list, unreadable, err := cat.Scan()
			if err != nil {
				return fmt.Errorf("check catalog: %w", err)
			}
			total := len(list) + len(unreadable)
			if total == 0 {
				return fmt.Errorf("backup check: no backups in %s", dir)
			}
			// Each problem is printed once, here; the final error only
			// counts and names the bad backups.
			var bad []string
			for _, u := range unreadable {
				a.printf("FAIL %s: %s\n", u.Dir, u.Reason())
				bad = append(bad, u.Dir)
			}
			for _, m := range list {
				rep, err := cat.Verify(m.ID)
				if err != nil {
					a.printf("FAIL %s: %s\n", m.ID, strings.Join(strings.Fields(err.Error()), " "))
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
				return failed(fmt.Errorf("%d of %d backups failed the check: %s", len(bad), total, strings.Join(bad, ", ")))
			}
			a.printf("%d backups verified\n", len(list))
			return nil
		},
	}
}
