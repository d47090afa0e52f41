package harness

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseProbe(t *testing.T) {
	reqs := ImageRequirements()
	idx := func(name string) int {
		for i, r := range reqs {
			if r.Name == name {
				return i
			}
		}
		t.Fatalf("no requirement %q", name)
		return -1
	}
	script := probeScript(reqs)
	for _, want := range []string{"command -v nft", "command -v redis-server", "redis-server --version", "echo done"} {
		if !strings.Contains(script, want) {
			t.Errorf("probe script lacks %q", want)
		}
	}
	full := "version Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1\ndone\n"
	c, err := parseProbe("img", reqs, full)
	if err != nil || !c.Qualifies() || c.RedisVersion != "7.0.15" {
		t.Fatalf("complete image: %+v, %v", c, err)
	}
	if c.Results[0].Name != "sh" || c.Results[1].Name != "redis-server" || c.Results[2].Name != "redis 7.0+" {
		t.Errorf("order: %s, %s, %s", c.Results[0].Name, c.Results[1].Name, c.Results[2].Name)
	}

	soft := "missing " + strconv.Itoa(idx("nft")) + " nft\n" + full
	if c, err = parseProbe("img", reqs, soft); err != nil || !c.Qualifies() {
		t.Fatalf("no nft must still qualify: %+v, %v", c, err)
	}

	old := "version Redis server v=6.2.14 sha=0\ndone\n"
	if c, err = parseProbe("img", reqs, old); err != nil || c.Qualifies() {
		t.Fatalf("redis 6 must not qualify: %+v, %v", c, err)
	}

	tools := "missing " + strconv.Itoa(idx("file tools")) + " find\nmissing " + strconv.Itoa(idx("file tools")) + " mv\n" + full
	c, err = parseProbe("img", reqs, tools)
	if err != nil || c.Qualifies() {
		t.Fatalf("no find must not qualify: %+v, %v", c, err)
	}
	for _, r := range c.Results {
		if r.Name == "file tools" && r.Detail != "no find, mv" {
			t.Errorf("detail %q", r.Detail)
		}
	}

	noRedis := "missing 0 redis-server\nversion sh: 1: redis-server: not found\ndone\n"
	if c, err = parseProbe("img", reqs, noRedis); err != nil || c.Qualifies() || c.Results[2].OK {
		t.Fatalf("no redis-server must not qualify: %+v, %v", c, err)
	}

	if _, err := parseProbe("img", reqs, "version x\n"); err == nil {
		t.Error("unfinished probe not reported")
	}
	if !errors.Is(imageNotFoundError{ref: "img"}, ErrImageNotFound) {
		t.Error("imageNotFoundError is not ErrImageNotFound")
	}
	if c := noShell("img", reqs, "exec: \"sh\": not found"); c.Qualifies() || len(c.Results) != len(reqs)+2 {
		t.Errorf("no sh: %+v", c)
	}
}
