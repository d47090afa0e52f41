package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redisdrill/redisdrill/reports"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a drill, check or comparison failed
	exitUsage  = 2 // bad usage or an environment problem
	// exitInterrupted is 128 + SIGINT, what a shell reports for Ctrl-C.
	exitInterrupted = 130
	errorPrefix     = "redisdrill: "
)

// exitCodesHelp documents the exit codes in the root command's help.
var exitCodesHelp = fmt.Sprintf(`Exit codes:
  %d    everything passed
  %d    a drill, check or comparison failed (details on stdout, a summary on stderr)
  %d    bad usage or an environment problem (Docker, network, authentication)
  %d  interrupted (Ctrl-C; reports of the finished scenarios are written)`,
	exitOK, exitFailed, exitUsage, exitInterrupted)

// exitError carries an exit code; err may be nil when everything was
// already printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// failed is exit code 1 with an optional message.
func failed(err error) error { return &exitError{code: exitFailed, err: err} }

// exitCode maps an error to the process exit code: exitError's code, else 2.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return exitUsage
}

// isFailed reports an exit-code-1 error (a check that did not pass).
func isFailed(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code == exitFailed
}

// report prints err as ONE line "redisdrill: <message>" on w, with every
// secret scrubbed; nothing for an exitError without a message.
func report(w io.Writer, err error, secrets []string) {
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	msg = reports.RedactString(msg, secrets...)
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
	fmt.Fprintln(w, errorPrefix+msg)
}
