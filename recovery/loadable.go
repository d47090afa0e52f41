package recovery

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// ErrBackupIncompatible is returned when every backup of a shard holds an
// RDB version the deployment's server cannot load (a backup taken on Redis
// 8.0 offered to Redis 7.0 or Valkey 9, say). The restore is not attempted:
// nothing is stopped, quarantined or copied.
var ErrBackupIncompatible = errors.New("no backup this server can load")

// loadable reports whether the deployment's server can load m's RDB, and
// why not. A server redisdrill does not know (a user image) or a backup
// without a recorded RDB version is given the benefit of the doubt; the
// restore's own verification still catches a refusal.
func (e *Engine) loadable(m backup.Manifest) (bool, string) {
	if m.RDBVersion == 0 || e.dep == nil {
		return true, ""
	}
	product, version := e.dep.Server()
	ok, known := rdb.CanLoad(product, version, m.RDBVersion)
	if !known || ok {
		return true, ""
	}
	from := ""
	switch {
	case m.Server != "":
		from = fmt.Sprintf(", written by %s %s", m.Server, m.ServerVersion)
	case m.RedisVersion != "":
		from = fmt.Sprintf(", written by a server reporting redis_version %s", m.RedisVersion)
	}
	limit := ""
	if l, ok := rdb.LookupLoader(product, version); ok {
		limit = fmt.Sprintf("; %s %s loads RDB versions 1–%d", product, version, l.Max)
		if l.ForeignMin > 0 {
			limit += fmt.Sprintf(" except %d–%d", l.ForeignMin, l.ForeignMax)
		}
	}
	return false, fmt.Sprintf("backup %s holds RDB version %d%s%s", m.ID, m.RDBVersion, from, limit)
}

// loadableFilter wraps filter so that backups the server cannot load are
// passed over; refused collects why each was.
func (e *Engine) loadableFilter(filter func(backup.Manifest) bool, refused *[]string) func(backup.Manifest) bool {
	return func(m backup.Manifest) bool {
		if !filter(m) {
			return false
		}
		if ok, why := e.loadable(m); !ok {
			*refused = append(*refused, why)
			return false
		}
		return true
	}
}

// incompatible is the error of a search that found only backups the
// server cannot load (nil when none was refused).
func incompatible(refused []string, err error) error {
	if len(refused) == 0 {
		return err
	}
	return fmt.Errorf("%w: %s: the restore was not attempted", ErrBackupIncompatible, strings.Join(refused, "; "))
}
