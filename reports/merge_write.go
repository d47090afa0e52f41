package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteMerged writes a planned merge into outDir: first every evidence
// folder (each file hard-linked where the filesystem allows, else
// copied), then the four reports with WriteAll, so outDir is
// self-contained and a report.json appears only once its evidence is in
// place. Before writing anything it refuses an outDir already holding a
// report.json, or an evidence destination that already exists, unless
// force; with force such files are replaced one by one (through a rename,
// never written through, since a file may be a hard link into another
// report) and files the merge does not write are left as they are:
// WriteMerged never deletes a file. It returns the reports' paths.
func WriteMerged(outDir string, m Merged, force bool) ([]string, error) {
	if !force {
		if err := checkMergeTarget(outDir, m); err != nil {
			return nil, err
		}
	}
	for _, c := range m.Copies {
		if err := linkOrCopyTree(c.From, c.To); err != nil {
			return nil, err
		}
	}
	paths, err := WriteAll(outDir, m.Run)
	if err != nil {
		return paths, fmt.Errorf("write merged reports: %w", err)
	}
	return paths, nil
}

// checkMergeTarget refuses an outDir that holds a report.json or any
// evidence destination of m.
func checkMergeTarget(outDir string, m Merged) error {
	if _, err := os.Lstat(filepath.Join(outDir, FileJSON)); err == nil {
		return fmt.Errorf("merge reports: %s already holds a %s (--force writes over it)", outDir, FileJSON)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("merge reports: %w", err)
	}
	for _, c := range m.Copies {
		if _, err := os.Lstat(c.To); err == nil {
			return fmt.Errorf("merge reports: %s already exists (--force merges over it)", c.To)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("merge reports: %w", err)
		}
	}
	return nil
}

// linkOrCopyTree brings the folder from into to: folders are created,
// regular files hard-linked or copied (linkOrCopyFile), symbolic links
// recreated as they read; any other kind of file is refused.
func linkOrCopyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("copy evidence: %w", err)
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return fmt.Errorf("copy evidence: %w", err)
		}
		dst := filepath.Join(to, rel)
		switch t := d.Type(); {
		case t.IsDir():
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("copy evidence: %w", err)
			}
		case t&fs.ModeSymlink != 0:
			return copySymlink(p, dst)
		case t.IsRegular():
			return linkOrCopyFile(p, dst)
		default:
			return fmt.Errorf("copy evidence: %s is not a file, folder or symbolic link", p)
		}
		return nil
	})
}

// copySymlink recreates the symbolic link src at dst, replacing what is
// there.
func copySymlink(src, dst string) error {
	target, err := os.Readlink(src)
	if err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	tmp, err := tempName(dst)
	if err != nil {
		return err
	}
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	return replace(tmp, dst)
}

// linkOrCopyFile puts the regular file src at dst: a hard link when the
// filesystem allows it, else a copy with the same permission bits. It
// goes through a temporary name beside dst and a rename, so an existing
// dst (perhaps a link to another report's file) is replaced, never
// written through. dst already being src is left alone.
func linkOrCopyFile(src, dst string) error {
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	tmp, err := tempName(dst)
	if err != nil {
		return err
	}
	if os.Link(src, tmp) == nil {
		return replace(tmp, dst)
	}
	if err := copyFile(src, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return replace(tmp, dst)
}

// copyFile copies the regular file src to the new file dst, keeping its
// permission bits.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return fmt.Errorf("copy evidence: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy evidence %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy evidence %s: %w", src, err)
	}
	return nil
}

// tempName is an unused name beside dst for building its replacement.
func tempName(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".merge-*")
	if err != nil {
		return "", fmt.Errorf("copy evidence: %w", err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return "", fmt.Errorf("copy evidence: %w", err)
	}
	return name, nil
}

// replace renames tmp to dst, removing tmp when that fails.
func replace(tmp, dst string) error {
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("copy evidence: %w", err)
	}
	return nil
}
