package recovery

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/recovery/backup"
)

// CorruptNewestBackup flips one byte in the middle of the RDB of the newest
// live-RDB backup of a shard in the catalog and returns its id. Drills use it to show
// that a backup failing verification is skipped for an older good one.
func (e *Engine) CorruptNewestBackup(shard int) (string, error) {
	cat, err := e.Catalog()
	if err != nil {
		return "", err
	}
	list, err := cat.List()
	if err != nil {
		return "", fmt.Errorf("list backups: %w", err)
	}
	for _, m := range list {
		if m.Kind != backup.KindLiveRDB || m.Shard == nil || *m.Shard != shard {
			continue
		}
		p := filepath.Join(cat.Path(m.ID), backup.RDBFileName)
		data, err := os.ReadFile(p)
		if err != nil || len(data) < 16 {
			return "", fmt.Errorf("read %s: %v", p, err)
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", fmt.Errorf("corrupt %s: %w", p, err)
		}
		return m.ID, nil
	}
	return "", fmt.Errorf("corrupt newest backup: no live-rdb backup in %s", cat.Dir())
}
