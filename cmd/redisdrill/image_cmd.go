package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
)

func newImageCmd(a *app) *cobra.Command {
	var check string
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Make sure the Redis image exists locally (build it when missing), or check an image with --check",
		Long: "Without flags, make sure the image drills run (REDISDRILL_IMAGE, else " + harness.DefaultImage + ") exists\n" +
			"locally, building the default one from Debian packages when missing.\n\n" +
			"--check REF runs a short-lived container from the local image REF (never pulled) and prints\n" +
			"one line per requirement (ok or missing, and what fails without it). Exit 0 when every hard\n" +
			"requirement is met, 1 when one is missing, 2 when REF is not present locally or Docker is unreachable.",
		Example: `  redisdrill image
  REDISDRILL_DEBIAN_MIRROR=http://deb.debian.org/debian redisdrill image
  redisdrill image --check redis:7.4`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&check, "check", "", "check that the local image `REF` qualifies to run drills (nothing is built or pulled)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("check") {
			if err := notEmpty(cmd, "check"); err != nil {
				return err
			}
			return checkImage(cmd.Context(), a, check)
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
		if info.Built {
			a.printf("%s built in %s\n", info.Ref, info.Duration.Round(time.Second))
		} else {
			a.printf("%s already present\n", info.Ref)
		}
		return nil
	}
	return cmd
}
