package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// Quarantine moves the named entries of the node's data dir (absent ones
// are skipped) into the folder name inside it, created if needed, and
// returns "<folder> (<entries>)": what the folder holds. Nothing is
// deleted.
func (n *Node) Quarantine(ctx context.Context, name string, files []string) (string, error) {
	dir, entries, err := quarantineDir(n.DataDir(), name, files)
	if err != nil {
		return "", fmt.Errorf("quarantine files of %s: %w", n.Name(), err)
	}
	return dir + " (" + strings.Join(entries, ", ") + ")", nil
}

// quarantineDir moves the named entries of root into root/name and lists
// root/name.
func quarantineDir(root, name string, files []string) (string, []string, error) {
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	for _, f := range files {
		src := filepath.Join(root, f)
		if _, err := os.Lstat(src); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return "", nil, err
		}
		dst := freeName(filepath.Join(dir, filepath.Base(f)))
		if err := os.Rename(src, dst); err != nil {
			return "", nil, err
		}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, err
	}
	entries := make([]string, 0, len(des))
	for _, de := range des {
		entries = append(entries, de.Name())
	}
	sort.Strings(entries)
	return dir, entries, nil
}

// freeName returns p, or p.1, p.2, ... when p exists: a second
// quarantine into the same folder keeps what the first moved there.
func freeName(p string) string {
	for i, try := 1, p; ; i++ {
		if _, err := os.Lstat(try); errors.Is(err, os.ErrNotExist) {
			return try
		}
		try = fmt.Sprintf("%s.%d", p, i)
	}
}

// QuarantineAll quarantines the named files of every node given (see
// Node.Quarantine) into the folder name of each, concurrently: every
// machine's files are on this host, up or down.
func (dep *Deployment) QuarantineAll(ctx context.Context, nodes []deploy.Node, name string, files []string) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, en := range nodes {
		n, ok := en.(*Node)
		if !ok {
			return fmt.Errorf("quarantine files: %s is not a local-process node", en.Name())
		}
		wg.Go(func() {
			_, errs[i] = n.Quarantine(ctx, name, files)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("quarantine files: %w", err)
	}
	return nil
}
