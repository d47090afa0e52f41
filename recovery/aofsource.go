package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// aofSource returns a host copy of the failed node's appendonlydir, made
// once per incident by the Execute of the AOF strategy the engine chose:
// when its proof fails and the engine decides again, the next AOF
// strategy reads the same copy (they only read it) instead of copying the
// files out again. Estimates never call it. release removes it.
func (i *Incident) aofSource(ctx context.Context) (string, error) {
	if i.aofSrc != "" {
		return i.aofSrc, nil
	}
	n := i.Failed
	work, err := os.MkdirTemp("", "redisdrill-aof-src-")
	if err != nil {
		return "", fmt.Errorf("create AOF copy dir: %w", err)
	}
	src := filepath.Join(work, "orig")
	if err := n.CopyDirOut(ctx, n.DataDir()+"/"+rediskit.AOFDirName, src); err != nil {
		os.RemoveAll(work)
		return "", fmt.Errorf("copy AOF of %s: %w", n.Name(), err)
	}
	i.aofWork, i.aofSrc = work, src
	return src, nil
}

// release removes what the incident kept on the host: the AOF copy.
func (i *Incident) release() {
	if i.aofWork != "" {
		os.RemoveAll(i.aofWork)
		i.aofWork, i.aofSrc = "", ""
	}
}
