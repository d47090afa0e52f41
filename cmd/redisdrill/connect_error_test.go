package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/redisdrill/redisdrill/recovery/remote"
	"github.com/redisdrill/redisdrill/recovery/verify"
)

func TestConnectError(t *testing.T) {
	plain := endpoint{addr: "10.0.0.1:6379"}
	secure := endpoint{addr: "10.0.0.1:6380", username: "drill", tls: &tls.Config{}}
	handshake := func(err error) error {
		return fmt.Errorf("check x: %w", &remote.HandshakeError{Addr: secure.addr, Err: err})
	}
	for _, tc := range []struct {
		name string
		ep   endpoint
		err  error
		want string
	}{
		{"unknown CA", secure, handshake(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), "TLS handshake with 10.0.0.1:6380 failed: "},
		{"unknown CA hint", secure, handshake(x509.UnknownAuthorityError{}), "check --cacert"},
		{"wrong name", secure, handshake(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}), "check the host"},
		{"not TLS", secure, handshake(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), "check the port"},
		{"client cert", secure, fmt.Errorf("ping: %w", tls.AlertError(116)), "check --cert and --key"},
		{"auth", secure, errors.New("WRONGPASS invalid username-password pair or user is disabled."), `authentication failed for 10.0.0.1:6380 as user "drill"`},
		{"auth default", plain, errors.New("NOAUTH Authentication required."), "authentication failed for 10.0.0.1:6379 as the default user"},
		{"noperm", secure, errors.New("live rdb backup of x: SYNC refused: NOPERM this user has no permissions to run the 'sync' command"),
			`user "drill" may not run 'sync' on 10.0.0.1:6380: NOPERM this user has no permissions to run the 'sync' command (` + needsBackup},
		{"plain to TLS", plain, fmt.Errorf("check x: %w", io.EOF), "if it requires TLS, add --tls or use a rediss:// URI"},
		{"unreachable", plain, errors.New("dial tcp 10.0.0.1:6379: connect: connection refused"), "cannot reach 10.0.0.1:6379: dial tcp"},
		{"not a cluster", plain, fmt.Errorf("check x: %w", verify.ErrNotCluster), "10.0.0.1:6379 is not a Redis Cluster node (cluster support disabled): drop --cluster"},
	} {
		got := tc.ep.connectError(tc.err, needsBackup)
		if got == nil || !strings.Contains(got.Error(), tc.want) || strings.Contains(got.Error(), "\n") {
			t.Errorf("%s: got %v, want one line containing %q", tc.name, got, tc.want)
		}
	}
	if err := plain.connectError(context.Canceled, needsVerify); !errors.Is(err, context.Canceled) {
		t.Errorf("an interrupt must stay an interrupt (exit 130): %v", err)
	}
}
