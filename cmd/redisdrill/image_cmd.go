package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/redisdrill/redisdrill/harness"
)

func newImageCmd(a *app) *cobra.Command {
	var check, build string
	var list bool
	cmd := &cobra.Command{
		Use:   "image [--list | --build NAME | --check REF]",
		Short: "Build and list the server images drills run, or check an image with --check",
		Long: "Without flags, make sure the image drills run by default (REDISDRILL_IMAGE, else " + harness.DefaultImage + ")\n" +
			"exists locally, building it from Debian packages when missing.\n\n" +
			"--list shows every server redisdrill can run (" + strings.Join(harness.ServerNames(), ", ") + "),\n" +
			"the Debian suite it is built from, and whether its image is built (version, size).\n" +
			"--build NAME builds one server's image when missing (NAME or an alias; \"all\" builds every one).\n" +
			"Images are built offline from Debian's packages (debootstrap, root) and never pulled.\n\n" +
			"--check REF runs a short-lived container from the local image REF (never pulled) and prints\n" +
			"one line per requirement (ok or missing, and what fails without it). Exit 0 when every hard\n" +
			"requirement is met, 1 when one is missing, 2 when REF is not present locally or Docker is unreachable.",
		Example: `  redisdrill image
  redisdrill image --list
  redisdrill image --build valkey-8.1
  redisdrill image --build all
  REDISDRILL_DEBIAN_MIRROR=http://deb.debian.org/debian redisdrill image --build redis-8.0
  redisdrill image --check redis:7.4`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&check, "check", "", "check that the local image `REF` qualifies to run drills (nothing is built or pulled)")
	f.BoolVar(&list, "list", false, "list the servers redisdrill can run and which images are built")
	f.StringVar(&build, "build", "", "build the image of server `NAME` when missing (\"all\" for every server)")
	cmd.MarkFlagsMutuallyExclusive("check", "list", "build")
	out := addOutputFlag(cmd, formatTable, formatJSON)
	_ = cmd.RegisterFlagCompletionFunc("build", completeServers)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := out.check(); err != nil {
			return err
		}
		switch {
		case cmd.Flags().Changed("check"):
			if err := notEmpty(cmd, "check"); err != nil {
				return err
			}
			return checkImage(cmd.Context(), a, check)
		case list:
			return a.listImages(cmd, out.format)
		case cmd.Flags().Changed("build"):
			if err := notEmpty(cmd, "build"); err != nil {
				return err
			}
			return a.buildImages(cmd, build)
		}
		d, err := a.docker(cmd.Context())
		if err != nil {
			return err
		}
		defer d.Close()
		info, err := harness.EnsureImage(cmd.Context(), d, a.logger)
		if err != nil {
			return fmt.Errorf("ensure image: %w", err)
		}
		a.printImageInfo(info)
		return nil
	}
	return cmd
}

// listImages prints every server and the state of its image.
func (a *app) listImages(cmd *cobra.Command, format string) error {
	d, err := a.docker(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	imgs, err := harness.ServerImages(cmd.Context(), d)
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	if format == formatJSON {
		return writeJSON(a.stdout, imgs)
	}
	var rows [][]string
	for _, si := range imgs {
		state, version, size := "not built", "-", "-"
		if si.Built {
			state, version, size = "built", si.Version, fmt.Sprintf("%.0f MB", float64(si.SizeBytes)/1e6)
		}
		suite := si.Server.Suite
		if len(si.Server.ExtraSuites) > 0 {
			suite += "+" + strings.Join(si.Server.ExtraSuites, "+")
		}
		rows = append(rows, []string{si.Server.Name, strings.Join(si.Server.Aliases, ","), suite, si.Server.Binary, state, version, size, si.Ref})
	}
	return writeTable(a.stdout, []string{"SERVER", "ALIASES", "DEBIAN SUITE", "BINARY", "IMAGE", "VERSION", "SIZE", "TAG"}, rows)
}

// buildImages builds the named server's image (or every server's, "all")
// when missing.
func (a *app) buildImages(cmd *cobra.Command, name string) error {
	servers := harness.Servers()
	if name != "all" {
		s, err := harness.LookupServer(name)
		if err != nil {
			return err
		}
		servers = []harness.Server{s}
	}
	d, err := a.docker(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	// Builds are mostly downloads and dpkg runs: two at a time roughly
	// halves the wall time of "all" on 2 cores.
	infos := make([]harness.ImageInfo, len(servers))
	g, ctx := errgroup.WithContext(cmd.Context())
	g.SetLimit(2)
	for i, s := range servers {
		g.Go(func() error {
			info, err := harness.EnsureServerImage(ctx, d, s, a.logger)
			if err != nil {
				return fmt.Errorf("build image of %s: %w", s.Name, err)
			}
			infos[i] = info
			return nil
		})
	}
	err = g.Wait()
	for _, info := range infos {
		if info.Ref != "" {
			a.printImageInfo(info)
		}
	}
	return err
}

func (a *app) printImageInfo(info harness.ImageInfo) {
	what := info.Ref
	if info.Server.Name != "" && info.Server.Name != harness.CustomServer {
		what = fmt.Sprintf("%s (%s %s)", info.Ref, info.Server.Name, info.Version)
	}
	if info.Built {
		a.printf("%s built in %s\n", what, info.Duration.Round(time.Second))
	} else {
		a.printf("%s already present\n", what)
	}
}
