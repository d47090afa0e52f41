package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// DefaultImage is the tag of the image redisdrill builds from Debian's
// packages when no other image is configured. The suffix names the recipe:
// bump it when the package list changes, so old images are rebuilt.
const DefaultImage = "redisdrill/redis:7-bookworm-r2"

// defaultMirror is used when the machine's apt sources name no Debian mirror.
const defaultMirror = "http://deb.debian.org/debian"

// ImageInfo describes the image a run uses.
type ImageInfo struct {
	Ref      string        // image reference containers are created from
	Built    bool          // true when this call built it
	Duration time.Duration // time spent making sure it exists
}

// ImageRef returns the image configured by REDISDRILL_IMAGE, or DefaultImage.
func ImageRef() string {
	if ref := strings.TrimSpace(os.Getenv(EnvImage)); ref != "" {
		return ref
	}
	return DefaultImage
}

// EnsureImage makes sure the Redis image exists locally. A user-chosen image
// (REDISDRILL_IMAGE) is used as it is and must already be present; the
// default image is built from Debian's packages when missing (debootstrap,
// then docker import), so no registry is ever contacted.
func EnsureImage(ctx context.Context, d *Docker, logger *slog.Logger) (ImageInfo, error) {
	start := time.Now()
	ref := ImageRef()
	present, err := imagePresent(ctx, d, ref)
	if err != nil {
		return ImageInfo{}, err
	}
	if present {
		return ImageInfo{Ref: ref, Duration: time.Since(start)}, nil
	}
	if ref != DefaultImage {
		return ImageInfo{}, fmt.Errorf("find image %q: not present locally and no registry can be reached; load it with 'docker load' or unset %s to build the default image", ref, EnvImage)
	}
	unlock, err := lockImageBuild()
	if err != nil {
		return ImageInfo{}, err
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if present, err = imagePresent(ctx, d, ref); err != nil || present {
		return ImageInfo{Ref: ref, Duration: time.Since(start)}, err
	}
	logger.Info("building redis image from Debian packages (once per machine)", "image", ref)
	if err := buildImage(ctx, d, ref, logger); err != nil {
		return ImageInfo{}, err
	}
	return ImageInfo{Ref: ref, Built: true, Duration: time.Since(start)}, nil
}

func imagePresent(ctx context.Context, d *Docker, ref string) (bool, error) {
	_, err := d.api.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspect image %q: %w", ref, err)
}

func lockImageBuild() (func(), error) {
	path := filepath.Join(os.TempDir(), "redisdrill-image.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open image lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock image build: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

func buildImage(ctx context.Context, d *Docker, ref string, logger *slog.Logger) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("build image %q: debootstrap needs root; run 'sudo make image' once or set %s to an existing image", ref, EnvImage)
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("build image %q: debootstrap not found; install it (apt-get install debootstrap) or set %s", ref, EnvImage)
	}
	work, err := os.MkdirTemp("", "redisdrill-rootfs-")
	if err != nil {
		return fmt.Errorf("create rootfs dir: %w", err)
	}
	defer os.RemoveAll(work)
	rootfs := filepath.Join(work, "rootfs")
	mirror := debianMirror()
	logger.Info("debootstrap", "mirror", mirror, "dir", rootfs)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase",
		"--include=redis-server,redis-tools,iproute2,nftables", "bookworm", rootfs, mirror)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("run debootstrap: %w: %s", err, lastLines(string(out), 3))
	}
	// Keep the image small and free of caches.
	for _, p := range []string{"var/cache/apt/archives", "var/lib/apt/lists"} {
		_ = os.RemoveAll(filepath.Join(rootfs, p))
	}
	version, err := debPackageVersion(filepath.Join(rootfs, "var/lib/dpkg/status"), "redis-server")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "data"), 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := importRootfs(ctx, d, rootfs, ref, version); err != nil {
		return err
	}
	versionRef := "redisdrill/redis:" + version
	if _, err := d.api.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: versionRef}); err != nil {
		return fmt.Errorf("tag image %q: %w", versionRef, err)
	}
	logger.Info("image built", "image", ref, "also", versionRef, "redis", version)
	return nil
}

func importRootfs(ctx context.Context, d *Docker, rootfs, ref, version string) error {
	tarCmd := exec.CommandContext(ctx, "tar", "-C", rootfs, "-c", ".")
	stdout, err := tarCmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("pipe rootfs tar: %w", err)
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("start rootfs tar: %w", err)
	}
	res, err := d.api.ImageImport(ctx, client.ImageImportSource{Source: stdout, SourceName: "-"}, ref,
		client.ImageImportOptions{
			Message: "redisdrill redis " + version + " from Debian bookworm",
			Changes: []string{
				`CMD ["redis-server"]`,
				"WORKDIR /data",
				"LABEL redisdrill.image=redis",
				"LABEL redisdrill.redis-version=" + version,
			},
		})
	if err != nil {
		_ = tarCmd.Wait()
		return fmt.Errorf("import image %q: %w", ref, err)
	}
	_, _ = io.Copy(io.Discard, res)
	_ = res.Close()
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar rootfs: %w", err)
	}
	return nil
}

// debianMirror returns the mirror from REDISDRILL_DEBIAN_MIRROR, else the
// first Debian mirror of the machine's apt sources, else deb.debian.org.
func debianMirror() string {
	if m := strings.TrimSpace(os.Getenv(EnvMirror)); m != "" {
		return m
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append([]string{"/etc/apt/sources.list"}, files...)
	for _, f := range files {
		if m := mirrorFromSources(f); m != "" {
			return m
		}
	}
	return defaultMirror
}

func mirrorFromSources(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		var uri string
		switch {
		case fields[0] == "URIs:" && len(fields) > 1:
			uri = fields[1]
		case fields[0] == "deb" && len(fields) > 1:
			uri = fields[1]
			if strings.HasPrefix(uri, "[") {
				for _, fl := range fields[1:] {
					if strings.HasPrefix(fl, "http") {
						uri = fl
						break
					}
				}
			}
		}
		if strings.HasPrefix(uri, "http") && strings.HasSuffix(strings.TrimSuffix(uri, "/"), "/debian") {
			return strings.TrimSuffix(uri, "/")
		}
	}
	return ""
}

func debPackageVersion(statusFile, pkg string) (string, error) {
	data, err := os.ReadFile(statusFile)
	if err != nil {
		return "", fmt.Errorf("read dpkg status: %w", err)
	}
	for _, stanza := range strings.Split(string(data), "\n\n") {
		if !strings.Contains(stanza, "Package: "+pkg+"\n") {
			continue
		}
		for _, line := range strings.Split(stanza, "\n") {
			if v, ok := strings.CutPrefix(line, "Version: "); ok {
				// 5:7.0.15-1~deb12u10 -> 7.0.15
				if i := strings.Index(v, ":"); i >= 0 {
					v = v[i+1:]
				}
				if i := strings.Index(v, "-"); i >= 0 {
					v = v[:i]
				}
				return v, nil
			}
		}
	}
	return "", errors.New("read redis version: redis-server not installed in rootfs")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
