package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/harness"
)

func newImageCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "image",
		Short: "Make sure the Redis image exists locally (build it when missing)",
		Example: `  redisdrill image
  REDISDRILL_DEBIAN_MIRROR=http://deb.debian.org/debian redisdrill image`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
		},
	}
}
