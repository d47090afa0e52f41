package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/redisdrill/redisdrill/harness"
)

// envPassword is the environment variable a password may come from.
const envPassword = "REDISDRILL_PASSWORD"

// app is what every command shares: output streams, logger, secrets seen.
type app struct {
	stdout, stderr io.Writer
	verbose        bool
	logger         *slog.Logger
	secrets        []string
}

func newApp(stdout, stderr io.Writer) *app {
	a := &app{stdout: stdout, stderr: stderr}
	a.setLogger()
	return a
}

// setLogger (re)creates the stderr text logger at info, or debug with
// --verbose.
func (a *app) setLogger() {
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	}
	a.logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

// docker connects to the Docker engine (exit 2 when it is missing).
func (a *app) docker(ctx context.Context) (*harness.Docker, error) {
	d, err := harness.NewDocker(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect docker: %w", err)
	}
	return d, nil
}

// password reads the password from file (first line) or, when file is
// empty, from REDISDRILL_PASSWORD; it is remembered as a secret to scrub.
func (a *app) password(file string) (string, error) {
	var pw string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read password file: %w", err)
		}
		pw = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
		if pw == "" {
			return "", errors.New("read password file: " + file + " is empty")
		}
	} else {
		pw = os.Getenv(envPassword)
	}
	if pw != "" {
		a.secrets = append(a.secrets, pw)
	}
	return pw, nil
}
