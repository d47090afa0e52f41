package harness

import (
	"errors"
	"io"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestTransportError(t *testing.T) {
	var te transportError
	if err := transport(io.EOF); !errors.As(err, &te) || !errors.Is(err, io.EOF) {
		t.Errorf("a connection error is not marked: %v", err)
	}
	reply := redis.ErrClosed // not a server reply either
	if !errors.As(transport(reply), &te) {
		t.Error("a closed client is not marked")
	}
	if transport(nil) != nil {
		t.Error("nil is marked")
	}
}

func TestClientCacheRemakesOnNewAddress(t *testing.T) {
	n := &Node{name: "n0", ip: "10.0.0.1", dialer: newDialer("127.0.0.1")}
	cc := newClientCache()
	defer cc.close()
	a := cc.client(n)
	if cc.client(n) != a {
		t.Fatal("same address, new client")
	}
	n.ip = "10.0.0.2"
	b := cc.client(n)
	if b == a {
		t.Fatal("new address, old client")
	}
	cc.evict(n)
	if cc.client(n) == b {
		t.Fatal("evicted client returned")
	}
}
