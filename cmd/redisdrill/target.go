package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// target is how a command reaches a Redis given on the command line, as
// redis-cli does: --addr or a redis:// / rediss:// URI, an ACL user, a
// password (file, environment or URI) and TLS files.
type target struct {
	addr, uri, user, passwordFile string
	cluster                       bool
	tls                           tlsFlags
}

// endpoint is a resolved target: where to connect and how.
type endpoint struct {
	addr     string // host:port
	username string // ACL user; empty for the default user
	password string
	tls      *tls.Config // nil for plain TCP
}

// flags registers the target flags on cmd.
func (t *target) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.addr, "addr", "", "HOST:PORT of the Redis (any node of a cluster); or use -u")
	f.StringVarP(&t.uri, "uri", "u", "", "redis://[user[:pass]@]host:port[/db], or rediss:// for TLS (instead of --addr)")
	f.StringVar(&t.user, "user", "", "ACL username (default: the default user)")
	f.BoolVar(&t.cluster, "cluster", false, "the address is a Redis Cluster node")
	f.StringVar(&t.passwordFile, "password-file", "", "file holding the password (else the URI's, else $"+envPassword+")")
	t.tls.register(cmd)
}

// resolve checks the flags and turns them into an endpoint: exactly one of
// --addr and --uri, the username from --user or the URI, the password from
// --password-file, else the URI (with a warning: it shows in the process
// list), else $REDISDRILL_PASSWORD, and the TLS configuration. Every error
// is one line (exit 2).
func (t *target) resolve(a *app, cmd *cobra.Command) (endpoint, error) {
	path := cmd.CommandPath()
	for _, n := range []string{"addr", "uri"} {
		if fl := cmd.Flags().Lookup(n); fl != nil && fl.Changed && fl.Value.String() == "" {
			return endpoint{}, fmt.Errorf("%s: flag --%s must not be empty", path, n)
		}
	}
	switch {
	case t.addr != "" && t.uri != "":
		return endpoint{}, fmt.Errorf("%s: give --addr or -u/--uri, not both", path)
	case t.addr == "" && t.uri == "":
		return endpoint{}, fmt.Errorf("%s: one of --addr or -u/--uri is required", path)
	}
	ep := endpoint{addr: t.addr, username: t.user}
	useTLS := t.tls.on
	uriPassword := ""
	if t.uri != "" {
		u, err := parseURI(t.uri)
		if err != nil {
			return endpoint{}, err
		}
		if t.user != "" && u.user != "" && t.user != u.user {
			return endpoint{}, fmt.Errorf("%s: --user %q and the URI's user %q differ: give one", path, t.user, u.user)
		}
		ep.addr = u.addr
		if u.user != "" {
			ep.username = u.user
		}
		uriPassword = u.password
		useTLS = useTLS || u.tls
	}
	if uriPassword != "" {
		a.secrets = append(a.secrets, uriPassword)
		a.logger.Warn("the password in --uri is visible in the process list; prefer --password-file or $" + envPassword)
	}
	switch {
	case t.passwordFile != "" || uriPassword == "":
		pw, err := a.password(t.passwordFile)
		if err != nil {
			return endpoint{}, err
		}
		ep.password = pw
	default:
		ep.password = uriPassword
	}
	cfg, err := t.tls.config(useTLS, ep.addr)
	if err != nil {
		return endpoint{}, fmt.Errorf("%s: %w", path, err)
	}
	if cfg != nil && cfg.InsecureSkipVerify {
		a.logger.Warn("--insecure: the server certificate is not verified; the connection is encrypted but the server is not authenticated")
	}
	ep.tls = cfg
	return ep, nil
}

// parsedURI is what a redis:// or rediss:// URI names.
type parsedURI struct {
	addr, user, password string
	tls                  bool
}

// parseURI reads a redis:// or rediss:// URI with go-redis's parser. The
// database number is accepted and ignored (a backup holds every database);
// go-redis's query options are refused rather than silently ignored. Errors
// never repeat the URI, which may hold a password.
func parseURI(raw string) (parsedURI, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return parsedURI{}, fmt.Errorf("parse --uri: %w (want redis://[user[:pass]@]host:port[/db] or rediss://...)", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return parsedURI{}, fmt.Errorf("parse --uri: scheme %q is not redis:// or rediss://", u.Scheme)
	}
	if u.RawQuery != "" {
		return parsedURI{}, fmt.Errorf("parse --uri: query options (?...) are not supported: use the flags (--tls, --cacert, --insecure, ...)")
	}
	if u.Host == "" {
		return parsedURI{}, fmt.Errorf("parse --uri: no host (want redis://[user[:pass]@]host:port[/db])")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return parsedURI{}, fmt.Errorf("parse --uri: %w", err)
	}
	return parsedURI{addr: opt.Addr, user: opt.Username, password: opt.Password, tls: opt.TLSConfig != nil}, nil
}

// hostOf is the host part of a host:port address.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
