package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// InstallHint says how to get a server binary on a Debian host.
const InstallHint = "apt-get install -y redis-server redis-tools (or valkey-server)"

// ErrNoBinary is returned by FindBinary when no server binary is found.
var ErrNoBinary = errors.New("no redis-server or valkey-server on PATH; install one: " + InstallHint)

// FindBinary returns the absolute path of the server executable: binary
// when given (a name looked up on PATH, or a path), else the first of
// redis-server and valkey-server on PATH.
func FindBinary(binary string) (string, error) {
	if binary != "" {
		p, err := exec.LookPath(binary)
		if err != nil {
			return "", fmt.Errorf("find server binary %q: %w", binary, err)
		}
		return p, nil
	}
	for _, name := range []string{"redis-server", "valkey-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBinary
}

// binaryVersion is what a server binary says of itself (--version).
type binaryVersion struct {
	product string // "redis" or "valkey"
	version string // "7.0.15"
}

// versionLine matches "Redis server v=7.0.15 ..." and "Valkey server v=8.0.1 ...".
var versionLine = regexp.MustCompile(`(?i)^(redis|valkey) server v=([0-9]+)\.([0-9.]+)`)

// readVersion runs binary --version.
func readVersion(ctx context.Context, binary string) (binaryVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "--version").Output()
	if err != nil {
		return binaryVersion{}, fmt.Errorf("read version of %s: %w", binary, err)
	}
	m := versionLine.FindStringSubmatch(strings.TrimSpace(string(out)))
	if m == nil {
		return binaryVersion{}, fmt.Errorf("read version of %s: unexpected output %q", binary, strings.TrimSpace(string(out)))
	}
	return binaryVersion{product: strings.ToLower(m[1]), version: m[2] + "." + m[3]}, nil
}

// bindSourceOption is the config option that binds a server's outgoing
// connections to an address (Redis 7.0, Valkey).
const bindSourceOption = "bind-source-addr"

// knowsBindSource reports whether the server binary knows the
// bind-source-addr option: its config table holds the option's name. A
// look at the file (a few ms) rather than a run of --version (80 ms here,
// on the path of every start).
func knowsBindSource(binary string) (bool, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return false, fmt.Errorf("read server binary: %w", err)
	}
	return bytes.Contains(data, []byte(bindSourceOption)), nil
}
