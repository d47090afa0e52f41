// Package remote connects to a Redis that is not a harness deployment:
// plain TCP, or TLS with one configuration shared by every node of the
// deployment (the seed and the nodes discovered from it).
//
// Stability: redisdrill's implementation, importable but with no
// compatibility promise between releases; the supported Go API is package
// github.com/redisdrill/redisdrill/scenarios/drill (and drillmatchers).
package remote

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// handshakeTimeout bounds a TLS handshake when the context has no earlier
// deadline: a port that accepts connections but never answers must not
// hang a backup.
const handshakeTimeout = 10 * time.Second

// DialFunc connects to a node ("host:port").
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// HandshakeError is a TLS handshake with a node that failed: a certificate
// the client does not trust, a name that does not match, a server that does
// not speak TLS, or a client certificate the server refused.
type HandshakeError struct {
	Addr string
	Err  error
}

// Error names the node and the reason.
func (e *HandshakeError) Error() string {
	return fmt.Sprintf("tls handshake with %s: %v", e.Addr, e.Err)
}

// Unwrap returns the crypto/tls error.
func (e *HandshakeError) Unwrap() error { return e.Err }

// Dialer returns a DialFunc that connects with dial (nil: a net.Dialer)
// and, when cfg is non-nil, runs a TLS handshake over the connection with
// ConfigFor(cfg, addr). The handshake honours ctx and gives up after 10 s
// at most; its failure is a *HandshakeError. With a nil cfg it returns dial
// itself (or the net.Dialer's DialContext).
func Dialer(dial DialFunc, cfg *tls.Config) DialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	if cfg == nil {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, ConfigFor(cfg, addr))
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		defer cancel()
		if err := conn.HandshakeContext(hctx); err != nil {
			_ = raw.Close()
			return nil, &HandshakeError{Addr: addr, Err: err}
		}
		return conn, nil
	}
}

// ConfigFor returns the TLS configuration for a connection to addr: cfg
// itself when it names a server (ServerName, e.g. the host name the user
// gave, shared by every node as go-redis's cluster client does), else a
// copy whose ServerName is addr's host, so a node reached by IP — as the
// nodes of CLUSTER NODES and INFO replication are — is checked against its
// own IP address.
func ConfigFor(cfg *tls.Config, addr string) *tls.Config {
	if cfg == nil || cfg.ServerName != "" {
		return cfg
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	c := cfg.Clone()
	c.ServerName = host
	return c
}
