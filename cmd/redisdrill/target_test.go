package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/recovery/remote/remotetest"
)

// resolveArgs parses args as the target flags of a command and resolves
// them; it returns the endpoint, the app, what went to stderr and the error.
func resolveArgs(t *testing.T, args ...string) (endpoint, *app, string, error) {
	t.Helper()
	var stderr bytes.Buffer
	a := newApp(&bytes.Buffer{}, &stderr)
	var tg target
	cmd := &cobra.Command{Use: "verify"}
	tg.flags(cmd)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	ep, err := tg.resolve(a, cmd)
	return ep, a, stderr.String(), err
}

func TestTargetURI(t *testing.T) {
	t.Setenv(envPassword, "")
	ep, _, _, err := resolveArgs(t, "-u", "redis://cache.internal:6380")
	if err != nil || ep.addr != "cache.internal:6380" || ep.tls != nil || ep.username != "" || ep.password != "" {
		t.Fatalf("redis://: got %+v, %v", ep, err)
	}

	ep, a, stderr, err := resolveArgs(t, "--uri", "rediss://drill:s3cret@cache.internal:6380/2")
	if err != nil {
		t.Fatal(err)
	}
	if ep.addr != "cache.internal:6380" || ep.username != "drill" || ep.password != "s3cret" {
		t.Fatalf("rediss:// with user and password: got %+v", ep)
	}
	if ep.tls == nil || ep.tls.ServerName != "cache.internal" || ep.tls.InsecureSkipVerify {
		t.Fatalf("rediss:// must verify the host name: %+v", ep.tls)
	}
	if !strings.Contains(stderr, "process list") || strings.Contains(stderr, "s3cret") {
		t.Fatalf("a password in the URI must be warned about (without showing it): %q", stderr)
	}
	if len(a.secrets) != 1 || a.secrets[0] != "s3cret" {
		t.Fatalf("the URI's password must be scrubbed from errors: secrets %q", a.secrets)
	}

	// An IP leaves ServerName empty: every node is checked against its IP.
	ep, _, _, err = resolveArgs(t, "-u", "rediss://127.0.0.1:6380")
	if err != nil || ep.tls == nil || ep.tls.ServerName != "" {
		t.Fatalf("rediss:// to an IP: got %+v, %v", ep.tls, err)
	}
	// --tls turns a redis:// URI or --addr into TLS.
	for _, args := range [][]string{{"-u", "redis://u@h:1", "--tls"}, {"--addr", "h:1", "--tls"}} {
		if ep, _, _, err = resolveArgs(t, args...); err != nil || ep.tls == nil {
			t.Fatalf("%v: want TLS, got %+v, %v", args, ep.tls, err)
		}
	}
}

func TestTargetCredentials(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envPassword, "from-env")
	for _, tc := range []struct {
		args           []string
		user, password string
	}{
		{[]string{"--addr", "h:1"}, "", "from-env"},
		{[]string{"--addr", "h:1", "--user", "drill"}, "drill", "from-env"},
		{[]string{"-u", "redis://drill@h:1"}, "drill", "from-env"},
		{[]string{"-u", "redis://drill:from-uri@h:1"}, "drill", "from-uri"},
		{[]string{"-u", "redis://drill:from-uri@h:1", "--password-file", pwFile}, "drill", "from-file"},
		{[]string{"-u", "redis://drill@h:1", "--user", "drill"}, "drill", "from-env"},
	} {
		ep, _, _, err := resolveArgs(t, tc.args...)
		if err != nil || ep.username != tc.user || ep.password != tc.password {
			t.Errorf("%v: got user %q password %q (%v), want %q %q", tc.args, ep.username, ep.password, err, tc.user, tc.password)
		}
	}
}

func TestTargetErrors(t *testing.T) {
	dir := t.TempDir()
	p := remotetest.NewPKI(t, dir, "127.0.0.1")
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "one of --addr or -u/--uri is required"},
		{[]string{"--addr", "h:1", "-u", "redis://h:1"}, "give --addr or -u/--uri, not both"},
		{[]string{"--uri", ""}, "flag --uri must not be empty"},
		{[]string{"-u", "http://h:1"}, `scheme "http" is not redis:// or rediss://`},
		{[]string{"-u", "redis://u:s3cret@h:notaport"}, "parse --uri"},
		{[]string{"-u", "redis://h:1/x"}, "invalid database number"},
		{[]string{"-u", "rediss://h:1?skip_verify=true"}, "query options (?...) are not supported"},
		{[]string{"-u", "redis://a@h:1", "--user", "b"}, `--user "b" and the URI's user "a" differ`},
		{[]string{"-u", "rediss://h:1", "--cacert", missing}, "read --cacert: open " + missing},
		{[]string{"-u", "rediss://h:1", "--cacert", notPEM}, "no PEM certificate"},
		{[]string{"-u", "rediss://h:1", "--cert", p.ClientCert}, "--cert and --key go together"},
		{[]string{"-u", "rediss://h:1", "--cert", p.ClientCert, "--key", p.ServerKey}, "load --cert/--key"},
		{[]string{"-u", "rediss://h:1", "--cert", missing, "--key", p.ClientKey}, "load --cert/--key: open " + missing},
		{[]string{"-u", "redis://h:1", "--cacert", p.CA}, "need TLS: add --tls or use a rediss:// URI"},
		{[]string{"--addr", "h:1", "--insecure"}, "need TLS"},
	} {
		_, _, _, err := resolveArgs(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error containing %q, got %v", tc.args, tc.want, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error must be one line without the password: %q", tc.args, err)
		}
	}
	ep, _, _, err := resolveArgs(t, "-u", "rediss://h:1", "--cacert", p.CA, "--cert", p.ClientCert, "--key", p.ClientKey)
	if err != nil || ep.tls.RootCAs == nil || len(ep.tls.Certificates) != 1 {
		t.Fatalf("good TLS files: %+v, %v", ep.tls, err)
	}
}

// The binary reports target errors as one line with exit 2.
func TestTargetCLIErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "ca.pem")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "redisdrill verify: one of --addr or -u/--uri is required"},
		{[]string{"backup", "--dest", t.TempDir()}, "redisdrill backup: one of --addr or -u/--uri is required"},
		{[]string{"verify", "--addr", "127.0.0.1:1", "-u", "redis://127.0.0.1:1"}, "not both"},
		{[]string{"backup", "--addr", "127.0.0.1:1", "-u", "redis://127.0.0.1:1", "--dest", t.TempDir()}, "not both"},
		{[]string{"verify", "-u", "rediss://127.0.0.1:1", "--cacert", missing}, "read --cacert: open " + missing},
		{[]string{"backup", "-u", "rediss://127.0.0.1:1", "--cacert", missing, "--dest", t.TempDir()}, "read --cacert"},
	} {
		usageError(t, tc.args, tc.want)
	}
}
