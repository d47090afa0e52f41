package process

import (
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"sync"

	"github.com/redisdrill/redisdrill/internal/rediskit"
)

// clusterBusOffset is the distance of Redis Cluster's bus port from the
// client port (16379 for 6379).
const clusterBusOffset = 10000

// Host parts of the loopback addresses a deployment uses: nodes count up
// from firstHost, scratch servers down from lastHost.
const (
	firstHost = 2
	lastHost  = 254
)

// addrPool hands out the loopback addresses 127.0.X.Y of one deployment:
// X comes from its run id, Y is the next address whose port 6379 and bus
// port 16379 are free. A node keeps its address for the run; a scratch
// server gives its address back.
type addrPool struct {
	mu    sync.Mutex
	x     int
	next  int             // next node host part
	inUse map[string]bool // addresses handed out and not given back
}

// newAddrPool returns the pool of the run: 127.0.X.0/24 with X in 1..253.
func newAddrPool(runID string) *addrPool {
	h := fnv.New32a()
	_, _ = h.Write([]byte(runID))
	return &addrPool{x: int(h.Sum32()%253) + 1, next: firstHost, inUse: map[string]bool{}}
}

// subnet names the pool's addresses for messages.
func (p *addrPool) subnet() string { return fmt.Sprintf("127.0.%d.0/24", p.x) }

// node returns a free address for a new node, kept until the run ends.
func (p *addrPool) node() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ; p.next <= lastHost; p.next++ {
		ip := fmt.Sprintf("127.0.%d.%d", p.x, p.next)
		if p.inUse[ip] || !addrFree(ip) {
			continue
		}
		p.inUse[ip] = true
		p.next++
		return ip, nil
	}
	return "", fmt.Errorf("allocate node address: no free address left in %s", p.subnet())
}

// scratch returns a free address for a scratch server and the function
// that gives it back.
func (p *addrPool) scratch() (string, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for y := lastHost; y >= p.next; y-- {
		ip := fmt.Sprintf("127.0.%d.%d", p.x, y)
		if p.inUse[ip] || !addrFree(ip) {
			continue
		}
		p.inUse[ip] = true
		return ip, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			delete(p.inUse, ip)
		}, nil
	}
	return "", nil, fmt.Errorf("allocate scratch address: no free address left in %s", p.subnet())
}

// addrFree reports whether ip's Redis port and cluster bus port can be
// bound (nothing else listens there).
func addrFree(ip string) bool {
	for _, port := range []int{rediskit.RedisPort, rediskit.RedisPort + clusterBusOffset} {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		_ = l.Close()
	}
	return true
}
