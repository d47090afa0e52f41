package backup

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// writeJSONAtomic writes v as indented JSON to path: temporary file, fsync,
// rename, fsync of the directory (atomicfile.Write).
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return atomicfile.Write(path, append(data, '\n'))
}
