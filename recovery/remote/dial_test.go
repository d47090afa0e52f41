package remote_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/recovery/remote"
	"github.com/redisdrill/redisdrill/recovery/remote/remotetest"
)

// echoTLS serves TLS on loopback with p's server certificate and echoes
// one line per connection.
func echoTLS(t *testing.T, p remotetest.PKI) string {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.CopyN(c, c, 5)
			}()
		}
	}()
	return ln.Addr().String()
}

func pool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		t.Fatal("no CA in", caFile)
	}
	return p
}

func TestDialerTLS(t *testing.T) {
	good := remotetest.NewPKI(t, t.TempDir(), "127.0.0.1")
	other := remotetest.NewPKI(t, t.TempDir(), "127.0.0.1")
	addr := echoTLS(t, good)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// No ServerName: the node's IP is checked against the IP SAN.
	conn, err := remote.Dialer(nil, &tls.Config{RootCAs: pool(t, good.CA)})(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("dial with the right CA: %v", err)
	}
	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("echo over TLS: %q, %v", buf, err)
	}
	conn.Close()

	_, err = remote.Dialer(nil, &tls.Config{RootCAs: pool(t, other.CA)})(ctx, "tcp", addr)
	var he *remote.HandshakeError
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &he) || he.Addr != addr || !errors.As(err, &unknown) {
		t.Fatalf("dial with a wrong CA: want a HandshakeError for %s wrapping x509.UnknownAuthorityError, got %v", addr, err)
	}

	_, err = remote.Dialer(nil, &tls.Config{RootCAs: pool(t, good.CA), ServerName: "elsewhere.example"})(ctx, "tcp", addr)
	var host x509.HostnameError
	if !errors.As(err, &host) {
		t.Fatalf("dial naming another server: want x509.HostnameError, got %v", err)
	}
}

func TestDialerPlain(t *testing.T) {
	called := false
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		called = true
		return nil, errors.New("no network here")
	}
	if _, err := remote.Dialer(dial, nil)(context.Background(), "tcp", "x:1"); err == nil || !called {
		t.Fatalf("without TLS the given dial must be used: called %v, err %v", called, err)
	}
}

func TestConfigFor(t *testing.T) {
	if remote.ConfigFor(nil, "10.0.0.1:6379") != nil {
		t.Fatal("nil config must stay nil")
	}
	named := &tls.Config{ServerName: "redis.internal"}
	if got := remote.ConfigFor(named, "10.0.0.1:6379"); got != named {
		t.Fatal("a config naming its server is shared by every node")
	}
	base := &tls.Config{}
	got := remote.ConfigFor(base, "10.0.0.2:7000")
	if got.ServerName != "10.0.0.2" || base.ServerName != "" {
		t.Fatalf("per-node ServerName: got %q, base changed to %q", got.ServerName, base.ServerName)
	}
}
