package harness

import (
	"net/netip"
	"testing"
)

func TestPinnedSubnetAddresses(t *testing.T) {
	for _, tc := range []struct {
		subnet, node0, node3, sentinel1, dynamic string
	}{
		{"172.20.0.0/16", "172.20.0.16", "172.20.0.19", "172.20.0.97", "172.20.128.0/17"},
		{"192.168.16.0/20", "192.168.16.16", "192.168.16.19", "192.168.16.97", "192.168.24.0/21"},
		{"10.1.2.0/24", "10.1.2.16", "10.1.2.19", "10.1.2.97", "10.1.2.128/25"},
	} {
		p := netip.MustParsePrefix(tc.subnet)
		if !pinnable(p) {
			t.Fatalf("%s: not pinnable", tc.subnet)
		}
		s := pinnedSubnet{prefix: p}
		for got, want := range map[netip.Addr]string{s.node(0): tc.node0, s.node(3): tc.node3, s.sentinel(1): tc.sentinel1} {
			if got.String() != want {
				t.Errorf("%s: got %s, want %s", tc.subnet, got, want)
			}
		}
		if got := dynamicHalf(p).String(); got != tc.dynamic {
			t.Errorf("%s: dynamic half %s, want %s", tc.subnet, got, tc.dynamic)
		}
		if s.node(firstSentinelHost-firstNodeHost).IsValid() || s.sentinel(pinnedHostsMax).IsValid() {
			t.Errorf("%s: an index past its range got an address", tc.subnet)
		}
	}
	if pinnable(netip.MustParsePrefix("10.1.2.0/25")) || pinnable(netip.MustParsePrefix("fd00::/64")) {
		t.Error("a subnet smaller than /24 or an IPv6 one is pinnable")
	}
	if (pinnedSubnet{}).node(0).IsValid() {
		t.Error("an unpinned subnet gave an address")
	}
}
