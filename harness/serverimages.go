package harness

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
)

// ServerImage is one named server and the state of its local image.
type ServerImage struct {
	Server Server `json:"server"`
	// Ref is the image tag the server's nodes run.
	Ref string `json:"image"`
	// Built says whether Ref is present locally.
	Built bool `json:"built"`
	// Version is the server version the image records ("" when not built).
	Version string `json:"version,omitempty"`
	// SizeBytes is the image's size (0 when not built).
	SizeBytes int64 `json:"size_bytes,omitempty"`
}

// ServerImages reports, for every server redisdrill can build, whether its
// image is present and which version it holds.
func ServerImages(ctx context.Context, d *Docker) ([]ServerImage, error) {
	var out []ServerImage
	for _, s := range Servers() {
		si := ServerImage{Server: s, Ref: s.ImageRef()}
		res, err := d.api.ImageInspect(ctx, si.Ref)
		switch {
		case err == nil:
			si.Built, si.SizeBytes = true, res.Size
			if res.Config != nil {
				si.Version = res.Config.Labels[labelServerVersion]
			}
		case cerrdefs.IsNotFound(err):
		default:
			return nil, fmt.Errorf("inspect image %q: %w", si.Ref, err)
		}
		out = append(out, si)
	}
	return out, nil
}
