package recovery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/recovery/deploy"
)

// stagedPrefix names the folder, inside a node's data dir, that holds what
// an in-place restore is about to install. It is copied in beside the live
// files (which it does not touch) while the node stops or the proof runs;
// the swap then quarantines the old files and moves the staged ones into
// place in one step on the node's machine.
const stagedPrefix = ".redisdrill-staged-"

// payload is what an in-place restore installs.
type payload struct {
	// lay writes the files into dir, a host folder laid out like the
	// node's data dir, and says what they are.
	lay func(dir string) (string, error)
	// installed, when set, records evidence once the files are in place.
	installed func()
}

// stageIn lays p out on the host and copies it into a fresh staged folder
// inside n's data dir ("load data"). It returns the folder's name and what
// it holds.
func stageIn(ctx context.Context, n deploy.Node, p payload) (string, string, error) {
	host, err := os.MkdirTemp("", "redisdrill-stage-")
	if err != nil {
		return "", "", fmt.Errorf("create staging dir: %w", err)
	}
	defer os.RemoveAll(host)
	name := stagedPrefix + time.Now().UTC().Format("20060102T150405.000000")
	dir := filepath.Join(host, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("create staging dir: %w", err)
	}
	what, err := p.lay(dir)
	if err != nil {
		return "", "", err
	}
	if err := n.CopyDirIn(ctx, host, n.DataDir()); err != nil {
		return "", "", fmt.Errorf("stage files on %s: %w", n.Name(), err)
	}
	return name, what + " staged in " + name, nil
}

// swapScript quarantines the named entries of a data dir, and any entry the
// staged folder would replace, into a fresh folder, then moves the staged
// entries into place and lists the quarantine. Arguments: data dir,
// quarantine folder, staged folder, entries to quarantine.
const swapScript = `set -e
cd "$1"; q=$2; s=$3; shift 3
mkdir -p "$q"
for f in "$@"; do if [ -e "$f" ] || [ -L "$f" ]; then mv "$f" "$q/"; fi; done
for p in "$s"/* "$s"/.[!.]*; do
  [ -e "$p" ] || continue
  b=${p##*/}
  if [ -e "$b" ] || [ -L "$b" ]; then mv "$b" "$q/"; fi
  mv "$p" .
done
rmdir "$s"
ls -A "$q"`

// swapIn moves files (and whatever a staged entry replaces) of the stopped
// node's data dir into a dated quarantine folder and the staged files into
// their place, in one step ("quarantine"). Nothing of the user's is
// deleted.
func swapIn(ctx context.Context, n deploy.Node, staged string, files []string) (string, error) {
	q := quarantineName()
	args := append([]string{n.DataDir(), q, staged}, files...)
	out, err := n.Shell(ctx, shellCall(swapScript, args))
	if err != nil {
		return "", fmt.Errorf("swap in staged files on %s: %w", n.Name(), err)
	}
	return n.DataDir() + "/" + q + " (" + strings.Join(strings.Fields(out), ", ") + "); installed " + staged, nil
}

// dropStaged removes a staged folder that will not be installed (best
// effort: it holds only copies redisdrill made).
func dropStaged(ctx context.Context, n deploy.Node, staged string) {
	if staged == "" {
		return
	}
	_, _ = n.Shell(context.WithoutCancel(ctx), shellCall(`rm -rf -- "$1/$2"`, []string{n.DataDir(), staged}))
}

// shellCall runs script with args as its positional parameters.
func shellCall(script string, args []string) string {
	q := make([]string, 0, len(args)+2)
	q = append(q, "sh", "-c", shQuote(script), "sh")
	for _, a := range args {
		q = append(q, shQuote(a))
	}
	return strings.Join(q, " ")
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// copyAll copies the tree under src into dst (created).
func copyAll(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		return copyFile(p, target)
	})
}
