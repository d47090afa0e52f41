package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/remote/remotetest"
)

// tlsCertDir is where the test's certificates go in the container.
const tlsCertDir = "/tls"

// startTLSRedis starts one redis-server of the local image that speaks
// only TLS (client certificates optional) with p's server certificate, and
// returns its address on the host (127.0.0.1:published port).
func startTLSRedis(t *testing.T, p remotetest.PKI) string {
	t.Helper()
	d := docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := harness.EnsureImage(ctx, d, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("image: %v", err)
	}
	file := func(host, name string) testcontainers.ContainerFile {
		return testcontainers.ContainerFile{HostFilePath: host, ContainerFilePath: tlsCertDir + "/" + name, FileMode: 0o644}
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: harness.ImageRef(),
			Cmd: []string{"redis-server", "--port", "0", "--tls-port", "6379",
				"--tls-cert-file", tlsCertDir + "/server.pem", "--tls-key-file", tlsCertDir + "/server-key.pem",
				"--tls-ca-cert-file", tlsCertDir + "/ca.pem", "--tls-auth-clients", "optional",
				"--protected-mode", "no", "--dir", "/tmp", "--save", "", "--repl-diskless-sync-delay", "0"},
			Labels:       map[string]string{harness.LabelOwner: d.Owner(), harness.LabelRun: "tls-" + harness.NewOwnerID()},
			ExposedPorts: []string{"6379/tcp"},
			Files: []testcontainers.ContainerFile{
				file(p.CA, "ca.pem"), file(p.ServerCert, "server.pem"), file(p.ServerKey, "server-key.pem"),
			},
		},
		Started: true,
		Logger:  tclog.TestLogger(t),
	})
	t.Cleanup(func() {
		if c != nil {
			if err := c.Terminate(context.Background()); err != nil {
				t.Errorf("terminate: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatalf("start TLS redis: %v", err)
	}
	host, err := c.Host(ctx)
	if err != nil {
		t.Fatal(err)
	}
	port, err := c.MappedPort(ctx, "6379/tcp")
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(host, port.Port())
}

// tlsAdmin is a client of the default user over TLS, trusting p's CA.
func tlsAdmin(t *testing.T, p remotetest.PKI, addr string) *redis.Client {
	t.Helper()
	ca, err := os.ReadFile(p.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	c := redis.NewClient(&redis.Options{
		Addr: addr, TLSConfig: &tls.Config{RootCAs: roots, ServerName: hostOf(addr), MinVersion: tls.VersionTLS12},
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1, Protocol: 2, DisableIdentity: true,
	})
	t.Cleanup(func() { c.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("TLS redis at %s never answered: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestTLSAndACL reaches a TLS-only Redis through rediss:// URIs with ACL
// users: verify and backup pass with the right CA and password; a wrong
// CA, a wrong password and a user without +sync each fail with one line
// saying what to check (exit 2), never showing the password.
func TestTLSAndACL(t *testing.T) {
	const pw, limitedPW, wrong = "drill-Pw-123", "limited-Pw-456", "Wr0ng-Guess-pw"
	dir := t.TempDir()
	p := remotetest.NewPKI(t, dir, "127.0.0.1", "localhost")
	otherCA := remotetest.NewPKI(t, t.TempDir(), "127.0.0.1").CA
	addr := startTLSRedis(t, p)
	admin := tlsAdmin(t, p, addr)
	ctx := context.Background()
	for _, cmd := range [][]any{
		{"ACL", "SETUSER", "drill", "on", ">" + pw, "~*", "&*", "+@all"},
		{"ACL", "SETUSER", "limited", "on", ">" + limitedPW, "~*", "&*", "+@all", "-sync", "-psync", "-replconf"},
	} {
		if err := admin.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd[:3], err)
		}
	}
	for i := range 200 {
		if err := admin.Set(ctx, fmt.Sprintf("k:%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	uri := "rediss://drill@" + addr
	env := []string{envPassword + "=" + pw}
	noLeak := func(r result) {
		t.Helper()
		for _, s := range []string{pw, limitedPW, wrong} {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Fatalf("a password leaked into the output\n%s", r)
			}
		}
	}

	r := runCLI(t, env, "verify", "-u", uri, "--cacert", p.CA)
	if r.code != 0 || !strings.Contains(r.stdout, "verify OK") {
		t.Fatalf("verify over TLS: want exit 0\n%s", r)
	}
	noLeak(r)
	// A client certificate, and --addr --tls --user instead of the URI.
	r = runCLI(t, env, "verify", "--addr", addr, "--tls", "--user", "drill", "--cacert", p.CA, "--cert", p.ClientCert, "--key", p.ClientKey)
	if r.code != 0 {
		t.Fatalf("verify with a client certificate: want exit 0\n%s", r)
	}

	dest := filepath.Join(t.TempDir(), "backups")
	r = runCLI(t, env, "backup", "-u", uri, "--cacert", p.CA, "--dest", dest)
	if r.code != 0 {
		t.Fatalf("backup over TLS: want exit 0\n%s", r)
	}
	noLeak(r)
	if r := runCLI(t, nil, "backup", "check", dest); r.code != 0 {
		t.Fatalf("backup check: want exit 0\n%s", r)
	}
	cat, err := backup.Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.List()
	if err != nil || len(list) != 1 || list[0].Keys != 200 {
		t.Fatalf("catalog: want one backup of 200 keys, got %v (%v)", list, err)
	}

	for _, args := range [][]string{
		{"verify", "-u", uri, "--cacert", otherCA},
		{"backup", "-u", uri, "--cacert", otherCA, "--dest", t.TempDir()},
	} {
		r = runCLI(t, env, args...)
		if r.code != exitUsage {
			t.Fatalf("%v with a wrong CA: want exit 2\n%s", args[0], r)
		}
		oneErrorLine(t, r, "TLS handshake with "+addr+" failed")
		oneErrorLine(t, r, "check --cacert")
	}

	for _, args := range [][]string{
		{"verify", "-u", uri, "--cacert", p.CA},
		{"backup", "-u", uri, "--cacert", p.CA, "--dest", t.TempDir()},
	} {
		r = runCLI(t, []string{envPassword + "=" + wrong}, args...)
		if r.code != exitUsage {
			t.Fatalf("%v with a wrong password: want exit 2\n%s", args[0], r)
		}
		oneErrorLine(t, r, `authentication failed for `+addr+` as user "drill"`)
		noLeak(r)
	}

	// Plain TCP to a TLS port: a hint to use TLS.
	r = runCLI(t, env, "verify", "--addr", addr, "--user", "drill")
	if r.code != exitUsage {
		t.Fatalf("plain TCP to a TLS port: want exit 2\n%s", r)
	}
	oneErrorLine(t, r, "cannot reach "+addr)
	t.Logf("plain TCP to a TLS port: %s", strings.TrimSpace(r.stderr))

	limitedDest := t.TempDir()
	r = runCLI(t, []string{envPassword + "=" + limitedPW}, "backup", "-u", "rediss://limited@"+addr, "--cacert", p.CA, "--dest", limitedDest)
	if r.code != exitUsage {
		t.Fatalf("backup as a user without +sync: want exit 2\n%s", r)
	}
	oneErrorLine(t, r, `user "limited" may not run 'sync'`)
	oneErrorLine(t, r, "NOPERM")
	noLeak(r)
	t.Logf("user without +sync: %s", strings.TrimSpace(r.stderr))
	if cat, err := backup.Open(limitedDest); err != nil {
		t.Fatal(err)
	} else if list, err := cat.List(); err != nil || len(list) != 0 {
		t.Fatalf("a refused backup must leave nothing in the catalog: %v (%v)", list, err)
	}
}
