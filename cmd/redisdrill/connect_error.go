package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"syscall"

	"github.com/redisdrill/redisdrill/recovery/remote"
	"github.com/redisdrill/redisdrill/recovery/verify"
)

// Permissions a command needs, for the hint of a NOPERM refusal.
const (
	needsVerify = "verify needs +ping and +info, and +cluster with --cluster"
	needsBackup = "backup needs +ping, +sync and +replconf, and +cluster with --cluster"
)

// quotedCommand finds the command a NOPERM reply names ("... to run the
// 'sync' command").
var quotedCommand = regexp.MustCompile(`'([^']+)'`)

// connectError turns a failure to reach or use ep into the one line the CLI
// prints (never with the password), saying what to check: TLS handshake,
// authentication, a missing ACL permission (needs lists what the command
// requires), or reachability.
func (ep endpoint) connectError(err error, needs string) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, verify.ErrNotCluster) {
		return fmt.Errorf("%s is not a Redis Cluster node (cluster support disabled): drop --cluster", ep.addr)
	}
	if msg, ok := ep.explain(err, needs); ok {
		return errors.New(msg)
	}
	if ep.tls == nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		return fmt.Errorf("cannot reach %s: %w (if it requires TLS, add --tls or use a rediss:// URI)", ep.addr, err)
	}
	return fmt.Errorf("cannot reach %s: %w", ep.addr, err)
}

// explain recognises a TLS, authentication or permission failure in err.
func (ep endpoint) explain(err error, needs string) (string, bool) {
	if err == nil {
		return "", false
	}
	var he *remote.HandshakeError
	if errors.As(err, &he) {
		return fmt.Sprintf("TLS handshake with %s failed: %v (%s)", he.Addr, he.Err, tlsHint(he.Err)), true
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		// TLS 1.3 refuses a client certificate after the client's side of
		// the handshake, on the first read.
		return fmt.Sprintf("TLS connection to %s refused: %v (%s)", ep.addr, err, tlsHint(alert)), true
	}
	if verify.IsAuthError(err) {
		return fmt.Sprintf("authentication failed for %s as %s (check --user or the URI's user, and the password from --password-file, $%s or the URI)",
			ep.addr, ep.who(), envPassword), true
	}
	msg := err.Error()
	if i := strings.Index(msg, "NOPERM"); i >= 0 {
		what := "a command"
		if m := quotedCommand.FindStringSubmatch(msg[i:]); m != nil {
			what = "'" + m[1] + "'"
		}
		return fmt.Sprintf("%s may not run %s on %s: %s (%s; grant it with ACL SETUSER)", ep.who(), what, ep.addr, msg[i:], needs), true
	}
	return "", false
}

// who names the ACL user for messages.
func (ep endpoint) who() string {
	if ep.username == "" {
		return "the default user"
	}
	return fmt.Sprintf("user %q", ep.username)
}

// tlsHint says what to check for a failed handshake.
func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var header tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &unknown):
		return "check --cacert: the server certificate is not signed by a CA it holds"
	case errors.As(err, &host):
		return "check the host in --addr or the URI: the server certificate does not name it"
	case errors.As(err, &header):
		return "check the port: the server does not speak TLS there"
	case errors.As(err, &alert):
		return "the server refused the connection: check --cert and --key if it requires client certificates"
	default:
		return "check --cacert, --cert, --key and that the port speaks TLS"
	}
}
