package harness

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// FileInfo is one entry of a node directory listing.
type FileInfo struct {
	Name  string // path relative to the listed directory
	Size  int64
	IsDir bool
}

// ReadFile reads one file of the node through the Docker API. It works while
// the node is stopped.
func (n *Node) ReadFile(ctx context.Context, p string) ([]byte, error) {
	res, err := n.docker.api.CopyFromContainer(ctx, n.ID(), client.CopyFromContainerOptions{SourcePath: p})
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", p, n.Name(), err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", p, n.Name(), err)
	}
	if hdr.Typeflag == tar.TypeDir {
		return nil, fmt.Errorf("read %s on %s: is a directory", p, n.Name())
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", p, n.Name(), err)
	}
	return data, nil
}

// WriteFile writes one file into the node through the Docker API, creating or
// replacing it. It works while the node is stopped.
func (n *Node) WriteFile(ctx context.Context, p string, data []byte, mode int64) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path.Base(p), Mode: mode, Size: int64(len(data)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("write %s on %s: %w", p, n.Name(), err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s on %s: %w", p, n.Name(), err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write %s on %s: %w", p, n.Name(), err)
	}
	if _, err := n.docker.api.CopyToContainer(ctx, n.ID(), client.CopyToContainerOptions{DestinationPath: path.Dir(p), Content: &buf}); err != nil {
		return fmt.Errorf("write %s on %s: %w", p, n.Name(), err)
	}
	return nil
}

// ListDir lists a directory of the node recursively.
func (n *Node) ListDir(ctx context.Context, dir string) ([]FileInfo, error) {
	res, err := n.docker.api.CopyFromContainer(ctx, n.ID(), client.CopyFromContainerOptions{SourcePath: dir})
	if err != nil {
		return nil, fmt.Errorf("list %s on %s: %w", dir, n.Name(), err)
	}
	defer res.Content.Close()
	var out []FileInfo
	tr := tar.NewReader(res.Content)
	base := path.Base(dir)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s on %s: %w", dir, n.Name(), err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(hdr.Name, base), "/")
		if rel == "" {
			continue
		}
		out = append(out, FileInfo{Name: rel, Size: hdr.Size, IsDir: hdr.Typeflag == tar.TypeDir})
	}
}

// CopyDirOut copies a directory of the node into hostDir (created if needed).
// Only regular files and directories are copied.
func (n *Node) CopyDirOut(ctx context.Context, dir, hostDir string) error {
	res, err := n.docker.api.CopyFromContainer(ctx, n.ID(), client.CopyFromContainerOptions{SourcePath: dir})
	if err != nil {
		return fmt.Errorf("copy %s from %s: %w", dir, n.Name(), err)
	}
	defer res.Content.Close()
	if err := os.MkdirAll(hostDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", hostDir, err)
	}
	base := path.Base(dir)
	tr := tar.NewReader(res.Content)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("copy %s from %s: %w", dir, n.Name(), err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(hdr.Name, base), "/")
		if rel == "" || strings.Contains(rel, "..") {
			continue
		}
		dst := filepath.Join(hostDir, filepath.FromSlash(rel))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dst, err)
			}
		case tar.TypeReg:
			if err := writeFromReader(dst, tr); err != nil {
				return err
			}
		}
	}
}

func writeFromReader(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return f.Close()
}

// CopyDirIn copies the contents of hostDir into the node directory dir,
// creating or replacing files (existing other files are left alone).
func (n *Node) CopyDirIn(ctx context.Context, hostDir, dir string) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDirectory(hostDir, pw)) }()
	if _, err := n.docker.api.CopyToContainer(ctx, n.ID(), client.CopyToContainerOptions{DestinationPath: dir, Content: pr}); err != nil {
		_ = pr.CloseWithError(err)
		return fmt.Errorf("copy %s into %s:%s: %w", hostDir, n.Name(), dir, err)
	}
	return nil
}

func tarDirectory(root string, w io.Writer) error { return tarDirectoryUnder(root, "", w) }

// tarDirectoryUnder writes root's content as a tar stream whose names start
// with prefix (a folder entry for prefix first; "" = no prefix).
func tarDirectoryUnder(root, prefix string, w io.Writer) error {
	tw := tar.NewWriter(w)
	if prefix != "" {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: prefix + "/", Mode: 0o755, ModTime: time.Now()}); err != nil {
			return fmt.Errorf("tar %s: %w", root, err)
		}
	}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join(prefix, rel))
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("tar %s: %w", root, err)
	}
	return tw.Close()
}

func demuxLogs(r io.Reader) (string, error) {
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, r); err != nil {
		return out.String(), fmt.Errorf("demux logs: %w", err)
	}
	return out.String(), nil
}
