package staging

import (
	"context"
	"fmt"
	"github.com/spindlehq/spindle/internal/ctxio"
	"io"
	"os"
	"path"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
)

// Stage stages files given as Spark names them (spark-submit's
// application and --files): a local path or a file://, hdfs:// or
// https:// URI, each with an optional #alias. See StageSources.
func Stage(ctx context.Context, cfg Config, specs []string) ([]*pb.LocalResource, error) {
	srcs, err := ParseSources(specs, false)
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.AppID, err)
	}
	return StageSources(ctx, cfg, srcs)
}

// StageSources copies each source into cfg's application staging dir,
// hashing it in the same pass, and returns one LocalResource per source,
// in order. A local file with any exec bit, or a Source marked Executable,
// is executable. Two sources with the same name in the working dir, or a
// local source that is missing or not a regular file, fail before
// anything is copied. When StageSources fails part-way, files it already
// staged stay; Remove deletes them with the rest of the application's dir.
func StageSources(ctx context.Context, cfg Config, srcs []Source) ([]*pb.LocalResource, error) {
	if _, _, err := cfg.location(); err != nil {
		return nil, err
	}
	if err := checkNames(cfg.AppID, srcs); err != nil {
		return nil, err
	}
	for _, s := range srcs {
		if err := checkLocal(cfg.AppID, s); err != nil {
			return nil, err
		}
	}
	st, u, dir, err := cfg.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	out := make([]*pb.LocalResource, 0, len(srcs))
	for _, s := range srcs {
		res, err := cfg.stageOne(ctx, st, dir, s)
		if err != nil {
			return nil, err
		}
		res.Uri = uriOf(u, path.Join(dir, s.stagedName()))
		out = append(out, res)
	}
	return out, nil
}

// checkNames refuses two sources that would take the same name in the
// working dir or in the staging dir.
func checkNames(appID string, srcs []Source) error {
	seen := make(map[string]string, 2*len(srcs))
	for _, s := range srcs {
		for _, name := range []string{s.Name, s.stagedName()} {
			if prev, ok := seen[name]; ok && prev != s.Location {
				return fmt.Errorf("%w for app %s: %q and %q are both named %q",
					ErrDuplicateName, appID, prev, s.Location, name)
			}
			seen[name] = s.Location
		}
	}
	return nil
}

// regularFile stats p and refuses anything but a regular file, so that a
// dir, device or FIFO is reported rather than copied or blocked on.
func regularFile(appID, p string) (os.FileInfo, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%w for app %s: %w", ErrInvalidSource, appID, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%w for app %s: %s is a directory", ErrInvalidSource, appID, p)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w for app %s: %s is not a regular file (mode %s)", ErrInvalidSource, appID, p, fi.Mode())
	}
	return fi, nil
}

// stageOne copies s into st under dir.
func (c Config) stageOne(ctx context.Context, st dfs.Store, dir string, s Source) (*pb.LocalResource, error) {
	src, err := c.openSource(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("staging: app %s: %w", c.AppID, err)
	}
	defer src.r.Close()
	d := newDigest()
	r := io.TeeReader(ctxio.Reader(ctx, src.r), d)
	if _, err := st.WriteFrom(ctx, path.Join(dir, s.stagedName()), r); err != nil {
		return nil, fmt.Errorf("staging: stage %s for app %s: %w", s.Location, c.AppID, err)
	}
	res := &pb.LocalResource{
		Name:       s.Name,
		Sha256:     d.sum(),
		Size:       d.n,
		Executable: src.executable || s.Executable,
	}
	if s.Archive {
		res.Type = pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE
	}
	return res, nil
}
