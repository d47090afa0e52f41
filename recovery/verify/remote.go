package verify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/recovery/remote"
)

// ErrAuth is returned by CheckAddr when the seed node refuses the password
// (NOAUTH, WRONGPASS or a password sent to a node that has none).
var ErrAuth = errors.New("authentication failed")

// RemoteOptions say how to reach a Redis that is not a harness deployment.
type RemoteOptions struct {
	// Addr is a reachable node ("host:port"): the primary of a standalone /
	// replicated deployment, or any node of a cluster.
	Addr string
	// Cluster checks a Redis Cluster reached through Addr.
	Cluster bool
	// Username is the ACL user sent with AUTH (with Password) to every
	// node; empty for the default user.
	Username string
	// Password is sent with AUTH to every node; empty for none.
	Password string
	// TLS, when non-nil, makes every connection TLS with this
	// configuration; a node reached by IP is checked against that IP unless
	// ServerName is set (remote.ConfigFor).
	TLS *tls.Config
	// Dial connects to a node; nil uses net.Dialer. With TLS the handshake
	// runs over the connection it returns.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// dialer is the dial function of every client CheckAddr opens: Dial, with
// a TLS handshake when TLS is set; nil (go-redis's own dialer) for neither.
func (o RemoteOptions) dialer() remote.DialFunc {
	if o.Dial == nil && o.TLS == nil {
		return nil
	}
	return remote.Dialer(o.Dial, o.TLS)
}

// IsAuthError reports whether err is a Redis authentication refusal.
func IsAuthError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrAuth) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "WRONGPASS") ||
		strings.Contains(msg, "called without any password configured") ||
		strings.Contains(msg, "invalid password")
}

// ErrNotCluster is returned by CheckAddr when a cluster check was asked of
// a node that runs without cluster support.
var ErrNotCluster = errors.New("the node answers but runs without cluster support")

// CheckAddr verifies any reachable Redis: every node answers, and in a
// cluster cluster_state:ok and full single slot coverage in every node's
// view, views agreeing, no split brain; replication links up everywhere.
// The error is non-nil only when the seed address cannot be checked at all
// (unreachable, or ErrAuth); failed checks are in the Result.
func CheckAddr(ctx context.Context, opts RemoteOptions) (Result, error) {
	start := time.Now()
	r := Result{Time: start}
	seed := askAddr(ctx, opts, opts.Addr)
	if seed.err != nil {
		if IsAuthError(seed.err) {
			return r, fmt.Errorf("check %s: %w", opts.Addr, ErrAuth)
		}
		return r, fmt.Errorf("check %s: %w", opts.Addr, seed.err)
	}
	var facts []answers
	if opts.Cluster {
		if seed.viewErr != nil {
			if strings.Contains(seed.viewErr.Error(), "cluster support disabled") {
				return r, fmt.Errorf("check %s: %w", opts.Addr, ErrNotCluster)
			}
			return r, fmt.Errorf("check %s: cluster nodes: %w", opts.Addr, seed.viewErr)
		}
		var addrs []string
		for _, cn := range seed.view {
			if !cn.Has("noaddr") && !cn.Has("handshake") {
				addrs = append(addrs, cn.Addr)
			}
		}
		facts = askAll(ctx, opts, addrs)
	} else {
		addrs := []string{opts.Addr}
		addrs = append(addrs, replicaAddrs(seed.repl)...)
		facts = askAll(ctx, opts, addrs)
	}
	judge(&r, facts, opts.Cluster)
	r.Duration = time.Since(start)
	return r, nil
}

// replicaAddrs lists the replicas a primary reports in INFO replication
// ("slave0:ip=10.0.0.3,port=6379,state=online,...").
func replicaAddrs(repl map[string]string) []string {
	var out []string
	for i := 0; ; i++ {
		v, ok := repl[fmt.Sprintf("slave%d", i)]
		if !ok {
			return out
		}
		var ip, port string
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			switch k {
			case "ip":
				ip = val
			case "port":
				port = val
			}
		}
		if ip != "" && port != "" && port != "0" { // port 0: a replica that listens nowhere (an archiver)
			out = append(out, net.JoinHostPort(ip, port))
		}
	}
}

func askAll(ctx context.Context, opts RemoteOptions, addrs []string) []answers {
	out := make([]answers, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = askAddr(ctx, opts, a)
		}()
	}
	wg.Wait()
	return out
}

// askAddr asks one address for PING, then the questions of ask.
func askAddr(ctx context.Context, opts RemoteOptions, addr string) answers {
	ctx, cancel := context.WithTimeout(ctx, perNodeTimeout)
	defer cancel()
	c := redis.NewClient(&redis.Options{
		Addr: addr, Username: opts.Username, Password: opts.Password, Dialer: opts.dialer(),
		DialTimeout: time.Second, ReadTimeout: perNodeTimeout, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true, MaxRetries: -1, PoolSize: 1,
		Protocol: 2, DisableIdentity: true,
	})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return answers{subject: addr, err: err}
	}
	a, _ := ask(ctx, c, addr, opts.Cluster)
	return a
}
