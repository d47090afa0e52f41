package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// DefaultImage is the tag of the default server's image (DefaultServer),
// built from Debian's packages when no other image is configured.
var DefaultImage = DefaultServer().ImageRef()

// defaultMirror is used when the machine's apt sources name no Debian mirror.
const defaultMirror = "http://deb.debian.org/debian"

// ImageInfo describes the image a run uses.
type ImageInfo struct {
	Ref      string        // image reference containers are created from
	Server   Server        // the server it runs (CustomServer for a user image without labels)
	Version  string        // the server's version, from the image label ("" when unknown)
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

// EnsureImage makes sure the image drills run by default exists locally: a
// user-chosen image (REDISDRILL_IMAGE) is used as it is and must already be
// present; otherwise the default server's image is built when missing.
func EnsureImage(ctx context.Context, d *Docker, logger *slog.Logger) (ImageInfo, error) {
	if ref := ImageRef(); ref != DefaultImage {
		start := time.Now()
		labels, present, err := imageLabels(ctx, d, ref)
		if err != nil {
			return ImageInfo{}, err
		}
		if !present {
			return ImageInfo{}, fmt.Errorf("find image %q: not present locally and no registry can be reached; load it with 'docker load' or unset %s to build the default image", ref, EnvImage)
		}
		srv, version := serverFromLabels(labels)
		return ImageInfo{Ref: ref, Server: srv, Version: version, Duration: time.Since(start)}, nil
	}
	return EnsureServerImage(ctx, d, DefaultServer(), logger)
}

// EnsureServerImage makes sure srv's image exists locally, building it from
// its Debian suite when missing (debootstrap, then docker import), so no
// registry is ever contacted. Builds are serialised across processes.
func EnsureServerImage(ctx context.Context, d *Docker, srv Server, logger *slog.Logger) (ImageInfo, error) {
	start := time.Now()
	ref := srv.ImageRef()
	info := func(labels map[string]string, built bool) ImageInfo {
		return ImageInfo{Ref: ref, Server: srv, Version: labels[labelServerVersion], Built: built, Duration: time.Since(start)}
	}
	labels, present, err := imageLabels(ctx, d, ref)
	if err != nil || present {
		return info(labels, false), err
	}
	unlock, err := lockImageBuild(srv.Name)
	if err != nil {
		return ImageInfo{}, err
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if labels, present, err = imageLabels(ctx, d, ref); err != nil || present {
		return info(labels, false), err
	}
	logger.Info("building server image from Debian packages (once per machine)", "server", srv.Name, "suite", srv.Suite, "image", ref)
	if err := buildImage(ctx, d, srv, logger); err != nil {
		return ImageInfo{}, err
	}
	labels, _, err = imageLabels(ctx, d, ref)
	return info(labels, true), err
}

// imageLabels returns the labels of the local image ref and whether it is
// present.
func imageLabels(ctx context.Context, d *Docker, ref string) (map[string]string, bool, error) {
	res, err := d.api.ImageInspect(ctx, ref)
	if err == nil {
		if res.Config == nil {
			return map[string]string{}, true, nil
		}
		return res.Config.Labels, true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("inspect image %q: %w", ref, err)
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

// lockImageBuild takes the build lock of one server's image: processes
// building the same image wait for each other, different images build in
// parallel.
func lockImageBuild(server string) (func(), error) {
	path := filepath.Join(os.TempDir(), "redisdrill-image-"+server+".lock")
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

func buildImage(ctx context.Context, d *Docker, srv Server, logger *slog.Logger) error {
	ref := srv.ImageRef()
	if os.Geteuid() != 0 {
		return fmt.Errorf("build image %q: debootstrap needs root; run 'sudo redisdrill image --build %s' once or set %s to an existing image", ref, srv.Name, EnvImage)
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
	logger.Info("debootstrap", "suite", srv.Suite, "mirror", mirror, "dir", rootfs)
	// Packages of an extra suite (backports) are installed with apt inside
	// the rootfs afterwards: debootstrap's own --extra-suites fails to
	// install them (debootstrap 1.0.128, Debian 12).
	include := []string{"iproute2", "nftables", "s6"}
	if len(srv.ExtraSuites) == 0 {
		include = append(slices.Clone(srv.Packages), include...)
	}
	out, err := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+strings.Join(include, ","),
		srv.Suite, rootfs, mirror).CombinedOutput()
	if err != nil {
		return fmt.Errorf("run debootstrap: %w: %s", err, lastLines(string(out), 3))
	}
	if len(srv.ExtraSuites) > 0 {
		if err := installFromSuites(ctx, rootfs, mirror, srv); err != nil {
			return err
		}
	}
	// Keep the image small and free of caches.
	for _, p := range []string{"var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info"} {
		_ = os.RemoveAll(filepath.Join(rootfs, p))
	}
	version, err := debPackageVersion(filepath.Join(rootfs, "var/lib/dpkg/status"), srv.Packages[0])
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "data"), 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := importRootfs(ctx, d, rootfs, srv, version); err != nil {
		return err
	}
	versionRef := "redisdrill/" + srv.Name + ":" + version
	if _, err := d.api.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: versionRef}); err != nil {
		return fmt.Errorf("tag image %q: %w", versionRef, err)
	}
	logger.Info("image built", "image", ref, "also", versionRef, "server", srv.Name, "version", version)
	return nil
}

// installFromSuites installs srv's packages inside rootfs with apt, from
// its extra suites (apt -t SUITE), then drops the suites' lists again.
func installFromSuites(ctx context.Context, rootfs, mirror string, srv Server) error {
	var list strings.Builder
	for _, suite := range srv.ExtraSuites {
		fmt.Fprintf(&list, "deb %s %s main\n", mirror, suite)
	}
	listFile := filepath.Join(rootfs, "etc/apt/sources.list.d/redisdrill-extra.list")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o644); err != nil {
		return fmt.Errorf("write extra apt sources: %w", err)
	}
	defer os.Remove(listFile)
	if err := copyFile("/etc/resolv.conf", filepath.Join(rootfs, "etc/resolv.conf")); err != nil {
		return fmt.Errorf("copy resolv.conf into rootfs: %w", err)
	}
	apt := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "chroot", append([]string{rootfs, "apt-get", "-q", "-y"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s in rootfs: %w: %s", args[0], err, lastLines(string(out), 3))
		}
		return nil
	}
	if err := apt("update"); err != nil {
		return err
	}
	return apt(append([]string{"install", "--no-install-recommends", "-t", srv.ExtraSuites[0]}, srv.Packages...)...)
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

func importRootfs(ctx context.Context, d *Docker, rootfs string, srv Server, version string) error {
	ref := srv.ImageRef()
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
			Message: fmt.Sprintf("redisdrill %s %s from Debian %s", srv.Name, version, srv.Suite),
			Changes: []string{
				fmt.Sprintf(`CMD [%q]`, srv.Binary),
				"WORKDIR /data",
				"LABEL " + labelImage + "=redis",
				"LABEL " + labelServer + "=" + srv.Name,
				"LABEL " + labelServerProduct + "=" + srv.Product,
				"LABEL " + labelServerVersion + "=" + version,
				"LABEL " + labelServerBinary + "=" + srv.Binary,
				"LABEL " + labelServerCLI + "=" + srv.CLI,
				"LABEL " + labelSupervisor + "=" + srv.Supervisor,
				"LABEL redisdrill.debian-suite=" + srv.Suite,
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
				// 5:7.0.15-1~deb12u10 -> 7.0.15, 8.1.1+dfsg1-1 -> 8.1.1
				if i := strings.Index(v, ":"); i >= 0 {
					v = v[i+1:]
				}
				if i := strings.IndexAny(v, "-+~"); i >= 0 {
					v = v[:i]
				}
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("read server version: %s not installed in rootfs", pkg)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
