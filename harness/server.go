package harness

import (
	"fmt"
	"slices"
	"strings"
)

// Server is one Redis-compatible server redisdrill can run nodes of, built
// offline from one Debian suite's packages.
type Server struct {
	// Name is the server's name in flags, reports and image tags
	// ("redis-7.0", "valkey-8.1").
	Name string `json:"name"`
	// Aliases are other names accepted for it ("redis7", "valkey8.1").
	Aliases []string `json:"aliases,omitempty"`
	// Product is "redis" or "valkey".
	Product string `json:"product"`
	// Suite is the Debian suite the image is bootstrapped from.
	Suite string `json:"suite"`
	// ExtraSuites are suites packages may also come from (backports).
	ExtraSuites []string `json:"extra_suites,omitempty"`
	// Packages are the server's Debian packages (server, then tools, then
	// Sentinel).
	Packages []string `json:"packages"`
	// Binary is the server executable nodes run.
	Binary string `json:"binary"`
	// CLI is the command-line client shipped with it.
	CLI string `json:"cli"`
	// Supervisor is the service manager that runs the server on each node
	// (SupervisorS6), or "" when the server is its machine's PID 1.
	Supervisor string `json:"supervisor,omitempty"`
}

// serverRecipe names the image recipe: bump it when the package list or
// the import changes, so old images are rebuilt.
const serverRecipe = "r6"

// CustomServer is the Name of a server run from a user image
// (REDISDRILL_IMAGE) that is not one of Servers.
const CustomServer = "custom"

// DefaultServerName is the server drills run when none is chosen.
const DefaultServerName = "redis-7.0"

// Servers returns the servers redisdrill can build, oldest first. The
// package versions are whatever the suite serves on the day the image is
// built; the image records the version it got.
func Servers() []Server {
	redis := func(name, suite string, aliases ...string) Server {
		return Server{Name: name, Aliases: aliases, Product: "redis", Suite: suite,
			Packages: []string{"redis-server", "redis-tools", "redis-sentinel"}, Binary: "redis-server", CLI: "redis-cli", Supervisor: SupervisorS6}
	}
	valkey := func(name, suite string, extra []string, aliases ...string) Server {
		return Server{Name: name, Aliases: aliases, Product: "valkey", Suite: suite, ExtraSuites: extra,
			Packages: []string{"valkey-server", "valkey-tools", "valkey-sentinel"}, Binary: "valkey-server", CLI: "valkey-cli", Supervisor: SupervisorS6}
	}
	return []Server{
		redis("redis-7.0", "bookworm", "redis-7", "redis7", "redis"),
		redis("redis-8.0", "trixie", "redis-8", "redis8"),
		valkey("valkey-8.0", "bookworm", []string{"bookworm-backports"}, "valkey8.0"),
		valkey("valkey-8.1", "trixie", nil, "valkey-8", "valkey8", "valkey8.1"),
		valkey("valkey-9", "sid", nil, "valkey9", "valkey-9.1", "valkey"),
	}
}

// LookupServer returns the server called name (or one of its aliases),
// case-insensitively.
func LookupServer(name string) (Server, error) {
	want := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Servers() {
		if s.Name == want || slices.Contains(s.Aliases, want) {
			return s, nil
		}
	}
	return Server{}, fmt.Errorf("unknown server %q (known: %s)", name, strings.Join(ServerNames(), ", "))
}

// ParseServers parses a comma-separated server list ("redis-7.0,valkey-9"),
// resolving aliases and dropping repeats; order is kept.
func ParseServers(list string) ([]Server, error) {
	var out []Server
	for _, part := range strings.Split(list, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		s, err := LookupServer(part)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o Server) bool { return o.Name == s.Name }) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty server list %q (known: %s)", list, strings.Join(ServerNames(), ", "))
	}
	return out, nil
}

// ServerNames returns the names of Servers.
func ServerNames() []string {
	var names []string
	for _, s := range Servers() {
		names = append(names, s.Name)
	}
	return names
}

// DefaultServer returns the server drills run when none is chosen.
func DefaultServer() Server {
	s, _ := LookupServer(DefaultServerName)
	return s
}

// SentinelBinary is the Sentinel executable of the server's image: the
// server binary's name with "-sentinel" for "-server" (redis-sentinel,
// valkey-sentinel, as Debian's packages and the official images name it).
func (s Server) SentinelBinary() string {
	if base, ok := strings.CutSuffix(s.Binary, "-server"); ok {
		return base + "-sentinel"
	}
	return "redis-sentinel"
}

// ImageRef is the local tag of the server's image: redisdrill/<name>:<recipe>.
// A build also tags redisdrill/<name>:<version>.
func (s Server) ImageRef() string { return "redisdrill/" + s.Name + ":" + serverRecipe }

// String returns the name.
func (s Server) String() string { return s.Name }

// Image labels that describe the server an image runs.
const (
	labelImage         = "redisdrill.image"
	labelServer        = "redisdrill.server"
	labelServerProduct = "redisdrill.server-product"
	labelServerVersion = "redisdrill.server-version"
	labelServerBinary  = "redisdrill.server-binary"
	labelServerCLI     = "redisdrill.server-cli"
	labelSupervisor    = "redisdrill.supervisor"
)

// serverFromLabels returns the server an image's labels describe; an image
// without them (a user image) is CustomServer running redis-server.
func serverFromLabels(labels map[string]string) (Server, string) {
	if s, err := LookupServer(labels[labelServer]); err == nil {
		s.Supervisor = labels[labelSupervisor]
		return s, labels[labelServerVersion]
	}
	s := Server{Name: CustomServer, Product: "redis", Binary: "redis-server", CLI: "redis-cli"}
	if b := labels[labelServerBinary]; b != "" {
		s.Binary = b
	}
	if c := labels[labelServerCLI]; c != "" {
		s.CLI = c
	}
	if p := labels[labelServerProduct]; p != "" {
		s.Product = p
	}
	s.Supervisor = labels[labelSupervisor]
	return s, labels[labelServerVersion]
}
