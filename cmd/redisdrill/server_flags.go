package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/redisdrill/redisdrill/harness"
)

// serverFlags are --server and --matrix: which servers a command runs on.
type serverFlags struct {
	server string
	matrix string
}

// addServerFlags registers --server and --matrix on cmd.
func addServerFlags(cmd *cobra.Command, s *serverFlags) {
	f := cmd.Flags()
	f.StringVar(&s.server, "server", "", "run on server `NAME` ("+strings.Join(harness.ServerNames(), ", ")+"; default "+harness.DefaultServerName+", or REDISDRILL_IMAGE)")
	f.StringVar(&s.matrix, "matrix", "", "run on each server of `LIST` in turn (comma-separated names, or \"all\")")
	cmd.MarkFlagsMutuallyExclusive("server", "matrix")
	_ = cmd.RegisterFlagCompletionFunc("server", completeServers)
	_ = cmd.RegisterFlagCompletionFunc("matrix", completeServers)
}

// chosen returns the servers the flags name: nil when neither is set (the
// default image, REDISDRILL_IMAGE or the default server).
func (s serverFlags) chosen(f *pflag.FlagSet) ([]harness.Server, error) {
	switch {
	case f.Changed("server"):
		srv, err := harness.LookupServer(s.server)
		if err != nil {
			return nil, fmt.Errorf("invalid --server: %w", err)
		}
		return []harness.Server{srv}, nil
	case f.Changed("matrix"):
		if strings.TrimSpace(s.matrix) == "all" {
			return harness.Servers(), nil
		}
		list, err := harness.ParseServers(s.matrix)
		if err != nil {
			return nil, fmt.Errorf("invalid --matrix: %w", err)
		}
		return list, nil
	}
	return nil, nil
}

// dockerImages connects to Docker and resolves the chosen servers to local
// images (serverImages). The caller closes the client; on error it is
// closed already.
func (a *app) dockerImages(ctx context.Context, servers []harness.Server) (*harness.Docker, []harness.ImageInfo, error) {
	d, err := a.docker(ctx)
	if err != nil {
		return nil, nil, err
	}
	imgs, err := a.serverImages(ctx, d, servers)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, imgs, nil
}

// serverImages resolves the chosen servers to local images, building each
// missing one first (so a matrix fails before its first scenario, not in
// the middle). With no server chosen it is the default image.
func (a *app) serverImages(ctx context.Context, d *harness.Docker, servers []harness.Server) ([]harness.ImageInfo, error) {
	if len(servers) == 0 {
		img, err := harness.EnsureImage(ctx, d, a.logger)
		if err != nil {
			return nil, fmt.Errorf("ensure image: %w", err)
		}
		return []harness.ImageInfo{img}, nil
	}
	if ref := os.Getenv(harness.EnvImage); ref != "" {
		a.logger.Warn("REDISDRILL_IMAGE is ignored: --server/--matrix name the servers", "image", ref)
	}
	var out []harness.ImageInfo
	for _, s := range servers {
		img, err := harness.EnsureServerImage(ctx, d, s, a.logger)
		if err != nil {
			return nil, fmt.Errorf("ensure image of %s: %w", s.Name, err)
		}
		out = append(out, img)
	}
	return out, nil
}

// completeServers completes --server, --matrix and image --build with
// server names (the last item of a comma-separated list).
func completeServers(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	head, word := "", prefix
	if i := strings.LastIndex(prefix, ","); i >= 0 {
		head, word = prefix[:i+1], prefix[i+1:]
	}
	var out []string
	for _, s := range harness.Servers() {
		if strings.HasPrefix(s.Name, word) {
			out = append(out, head+s.Name+"\t"+s.Product+" from Debian "+s.Suite)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
