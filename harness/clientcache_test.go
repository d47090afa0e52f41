package harness

import "testing"

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
	cc.Evict(n)
	if cc.client(n) == b {
		t.Fatal("evicted client returned")
	}
}
