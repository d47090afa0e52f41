package form

import (
	"fmt"
	"os"
)

// WriteRDB writes rdb, the RDB a scratch server saved (ScratchRDB in
// either provider), to path, a new host file: it fails when path exists.
// The file is synced before WriteRDB returns.
func WriteRDB(path string, rdb []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(rdb); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
