package harness

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/internal/form"
)

func TestCountdown(t *testing.T) {
	c := newCountdown(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	c.done()
	if err := c.wait(ctx); err == nil {
		t.Fatal("wait returned before the count reached zero")
	}
	c.done()
	if err := c.wait(context.Background()); err != nil {
		t.Fatalf("wait after the last done: %v", err)
	}
	if err := newCountdown(0).wait(context.Background()); err != nil {
		t.Fatalf("a zero countdown must be open: %v", err)
	}
}

func TestSetupClockKeepsLatest(t *testing.T) {
	c := &setupClock{t0: time.Now().Add(-time.Second)}
	c.mark(atContainers)
	first := c.times().Containers
	c.t0 = time.Now() // a later mark measuring less must not move it back
	c.mark(atContainers)
	if got := c.times().Containers; got != first || got < time.Second {
		t.Errorf("Containers = %v, want the first mark %v", got, first)
	}
	if c.times().Ready != 0 {
		t.Error("an unmarked milestone is not zero")
	}
}

func TestRegisterKeepsIndexOrder(t *testing.T) {
	dep := &Deployment{retired: map[string]bool{}, spares: map[string]bool{}}
	first := dep.reserve(3)
	for _, i := range []int{2, 0, 1} {
		dep.register(&Node{name: string(rune('a' + i)), index: first + i}, false)
	}
	spare := &Node{name: "s", index: dep.reserve(1)}
	dep.register(spare, true)
	var got []int
	for _, n := range dep.AllNodes() {
		got = append(got, n.Index())
	}
	if len(got) != 4 || got[0] != 0 || got[1] != 1 || got[2] != 2 || got[3] != 3 {
		t.Errorf("indexes %v, want [0 1 2 3]", got)
	}
	if len(dep.Nodes()) != 3 || len(dep.Spares()) != 1 {
		t.Errorf("%d members and %d spares, want 3 and 1", len(dep.Nodes()), len(dep.Spares()))
	}
}

// fakeServer answers every connection with reply, once.
func fakeServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for range 3 { // *1, $4, PING
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
				}
				_, _ = conn.Write([]byte(reply))
			}()
		}
	}()
	return ln.Addr().String()
}

func TestRawPing(t *testing.T) {
	n := &Node{name: "n0", dialer: newDialer("127.0.0.1")}
	ctx := context.Background()
	for reply, ok := range map[string]bool{
		"+PONG\r\n":                                 true,
		"-NOAUTH Authentication required.\r\n":      true,
		"-LOADING Redis is loading the dataset\r\n": false,
		"HTTP/1.1 400 Bad Request\r\n":              false,
	} {
		err := form.RawPing(ctx, n.dialer.DialContext, fakeServer(t, reply))
		if (err == nil) != ok {
			t.Errorf("reply %q: err = %v, want ok=%v", strings.TrimSpace(reply), err, ok)
		}
	}
	// A port that accepts and closes (a published port whose server is not
	// up yet) is not listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()
	if err := form.RawPing(ctx, n.dialer.DialContext, ln.Addr().String()); err == nil {
		t.Error("a port that closes every connection counted as listening")
	}
}

func TestProbeRouteRefusedIsDirect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: the dial is refused
	d := newDialer("127.0.0.1")
	d.remap = true
	d.probeRoute(context.Background(), addr)
	if d.Remapping() {
		t.Error("a refused dial means the address is routable, yet the dialer remaps")
	}
	d.probeRoute(context.Background(), fakeServer(t, "+PONG\r\n"))
	if d.Remapping() {
		t.Error("a connected dial must not remap")
	}
}
