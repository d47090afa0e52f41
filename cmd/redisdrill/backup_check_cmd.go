package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
)

// backupCheckJSON is the result of `backup check -o json`: one entry per
// backup folder of the catalog, and the ids of the bad ones.
type backupCheckJSON struct {
	Dir     string             `json:"dir"`
	OK      bool               `json:"ok"`
	Backups []backupCheckEntry `json:"backups"`
	Failed  []string           `json:"failed"`
}

// backupCheckEntry is one backup in `backup check -o json`: its
// verification report, or why it could not be verified.
type backupCheckEntry struct {
	ID     string         `json:"id"`
	OK     bool           `json:"ok"`
	Error  string         `json:"error,omitempty"`
	Report *backup.Report `json:"report,omitempty"`
	// Archive is the check of a streaming archive (ID stream/<name>).
	Archive *archive.CheckReport `json:"archive,omitempty"`
}

// checkArchive checks one streaming archive of the catalog in dir.
func checkArchive(dir, name string) backupCheckEntry {
	id := backup.StreamDir + "/" + name
	rep, err := archive.Check(filepath.Join(dir, backup.StreamDir, name))
	if err != nil {
		return backupCheckEntry{ID: id, Error: strings.Join(strings.Fields(err.Error()), " ")}
	}
	e := backupCheckEntry{ID: id, OK: rep.OK, Archive: &rep}
	if !rep.OK {
		e.Error = strings.Join(rep.Problems, "; ")
	}
	return e
}

func newBackupCheckCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check DIR [-o text|json]",
		Short: "Verify every backup of a catalog (manifest, checksums, RDB structure); exit 1 naming each bad one",
		Example: `  redisdrill backup check backups/
  redisdrill backup check /var/backups/redis -o json`,
		Args: cobra.ExactArgs(1),
	}
	out := addOutputFlag(cmd, formatText, formatJSON)
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		res, err := checkCatalog(args[0])
		if err != nil {
			return err
		}
		if out.format == formatJSON {
			if err := writeJSON(a.stdout, res); err != nil {
				return err
			}
		} else {
			a.printBackupCheck(res)
		}
		if !res.OK {
			return failed(fmt.Errorf("%d of %d backups failed the check: %s", len(res.Failed), len(res.Backups), strings.Join(res.Failed, ", ")))
		}
		return nil
	}
	return cmd
}

// checkCatalog verifies every backup of the catalog in dir: the unreadable
// folders first, then each backup in catalog order. The error is for a
// catalog that cannot be checked at all (exit 2).
func checkCatalog(dir string) (backupCheckJSON, error) {
	res := backupCheckJSON{Dir: dir, Failed: []string{}}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return res, fmt.Errorf("backup check: %s is not a catalog directory", dir)
	}
	cat, err := backup.Open(dir)
	if err != nil {
		return res, fmt.Errorf("open catalog: %w", err)
	}
	list, unreadable, err := cat.Scan()
	if err != nil {
		return res, fmt.Errorf("check catalog: %w", err)
	}
	archives, err := os.ReadDir(filepath.Join(dir, backup.StreamDir))
	if err != nil && !os.IsNotExist(err) {
		return res, fmt.Errorf("check catalog: %w", err)
	}
	if len(list)+len(unreadable)+len(archives) == 0 {
		return res, fmt.Errorf("backup check: no backups in %s", dir)
	}
	for _, u := range unreadable {
		res.Backups = append(res.Backups, backupCheckEntry{ID: u.Dir, Error: u.Reason()})
	}
	for _, m := range list {
		rep, err := cat.Verify(m.ID)
		if err != nil {
			res.Backups = append(res.Backups, backupCheckEntry{ID: m.ID, Error: strings.Join(strings.Fields(err.Error()), " ")})
			continue
		}
		res.Backups = append(res.Backups, backupCheckEntry{ID: m.ID, OK: rep.OK, Report: &rep})
	}
	for _, e := range archives {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			res.Backups = append(res.Backups, checkArchive(dir, e.Name()))
		}
	}
	for _, b := range res.Backups {
		if !b.OK {
			res.Failed = append(res.Failed, b.ID)
		}
	}
	res.OK = len(res.Failed) == 0
	return res, nil
}

// printBackupCheck prints each backup's report lines (or why it could not
// be verified) and, when all passed, a count. Each problem is printed once,
// here; the final error only counts and names the bad backups.
func (a *app) printBackupCheck(res backupCheckJSON) {
	for _, b := range res.Backups {
		if b.Archive != nil && b.OK {
			a.printf("ok   %s (archive: %s)\n", b.ID, b.Archive.Summary())
			continue
		}
		if b.Report == nil {
			a.printf("FAIL %s: %s\n", b.ID, b.Error)
			continue
		}
		for _, line := range reportLines(*b.Report) {
			a.printf("%s\n", line)
		}
	}
	if res.OK {
		a.printf("%d backups verified\n", len(res.Backups))
	}
}
