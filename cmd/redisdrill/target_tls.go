package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/spf13/cobra"
)

// tlsFlags are redis-cli's TLS options.
type tlsFlags struct {
	on                bool
	cacert, cert, key string
	insecure          bool
}

// register adds the TLS flags to cmd.
func (f *tlsFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.BoolVar(&f.on, "tls", false, "connect over TLS (implied by a rediss:// URI)")
	fs.StringVar(&f.cacert, "cacert", "", "PEM file of the CA(s) that signed the server certificate (default: system roots)")
	fs.StringVar(&f.cert, "cert", "", "PEM client certificate, for servers that ask for one (with --key)")
	fs.StringVar(&f.key, "key", "", "PEM private key of --cert")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify the server certificate (encrypted but unauthenticated: testing only)")
}

// config returns the TLS configuration for addr, or nil when on is false.
// The files are read now, so a missing or bad file is one error line before
// any connection. A host name in addr becomes the ServerName every node is
// checked against; for an IP each node is checked against its own IP.
func (f *tlsFlags) config(on bool, addr string) (*tls.Config, error) {
	if !on {
		if f.cacert != "" || f.cert != "" || f.key != "" || f.insecure {
			return nil, errors.New("--cacert, --cert, --key and --insecure need TLS: add --tls or use a rediss:// URI")
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: f.insecure}
	if host := hostOf(addr); net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, fmt.Errorf("read --cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read --cacert %s: no PEM certificate in it", f.cacert)
		}
		cfg.RootCAs = pool
	}
	if (f.cert == "") != (f.key == "") {
		return nil, errors.New("--cert and --key go together: give both")
	}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, fmt.Errorf("load --cert/--key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
