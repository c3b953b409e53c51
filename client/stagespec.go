package client

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/staging"
)

// stageSpec writes the AM's launch spec and stages it beside the job.
func stageSpec(ctx context.Context, cfg staging.Config, spec launch.Spec) (*pb.LocalResource, error) {
	dir, err := os.MkdirTemp("", "spindle-submit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, launch.SpecFile)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, err
	}
	res, err := staging.Stage(ctx, cfg, []string{path})
	if err != nil {
		return nil, fmt.Errorf("stage the launch spec of %s: %w", cfg.AppID, err)
	}
	return res[0], nil
}
