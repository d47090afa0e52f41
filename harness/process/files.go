package process

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// dataDirName is the node's data dir inside its folder.
const dataDirName = "data"

// DataDir is where the node's server keeps its files: a host path.
func (n *Node) DataDir() string { return filepath.Join(n.dir, dataDirName) }

// ReadFile reads one file of the node (a host path); it works whatever
// runs.
func (n *Node) ReadFile(ctx context.Context, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", path, n.Name(), err)
	}
	return data, nil
}

// WriteFile writes one file of the node, creating or replacing it (a new
// file renamed over the old one, as an archive copy does).
func (n *Node) WriteFile(ctx context.Context, path string, data []byte, mode int64) error {
	if err := replaceFile(path, fs.FileMode(mode).Perm(), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return fmt.Errorf("write %s on %s: %w", path, n.Name(), err)
	}
	return nil
}

// CopyDirIn copies the contents of hostDir into the node's directory dir,
// creating or replacing files (other files are left alone).
func (n *Node) CopyDirIn(ctx context.Context, hostDir, dir string) error {
	if err := copyTree(ctx, hostDir, dir); err != nil {
		return fmt.Errorf("copy %s into %s:%s: %w", hostDir, n.Name(), dir, err)
	}
	return nil
}

// CopyDirOut copies the contents of the node's directory dir into hostDir
// (created if needed). Only regular files and directories are copied.
func (n *Node) CopyDirOut(ctx context.Context, dir, hostDir string) error {
	if err := copyTree(ctx, dir, hostDir); err != nil {
		return fmt.Errorf("copy %s from %s: %w", dir, n.Name(), err)
	}
	return nil
}

// copyTree copies the regular files and directories under src into dst
// (created if needed), replacing files of the same name.
func copyTree(ctx context.Context, src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(p, target, info.Mode().Perm())
		}
		return nil
	})
}

// copyFile copies the file src to dst with mode perm.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return replaceFile(dst, perm, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// replaceFile writes a new file next to path with fill, syncs it and
// renames it over path: a server holding the old file open keeps reading
// the old one.
func replaceFile(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".redisdrill-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := fill(f); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
