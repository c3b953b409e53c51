package staging

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Stage copies each local path into cfg's application staging dir under
// its base name, hashing it in the same pass, and returns one
// LocalResource per path, in order. Executable is set when the source has
// any exec bit. Two paths with the same base name, or a path that is
// missing, unreadable or not a regular file, fail before anything is
// copied. When Stage fails part-way, files it already staged stay; Remove
// deletes them with the rest of the application's dir.
func Stage(ctx context.Context, cfg Config, paths []string) ([]*pb.LocalResource, error) {
	st, err := cfg.openStore()
	if err != nil {
		return nil, err
	}
	names, err := baseNames(cfg.AppID, paths)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if _, err := regularFile(cfg.AppID, p); err != nil {
			return nil, err
		}
	}
	out := make([]*pb.LocalResource, 0, len(paths))
	for i, p := range paths {
		res, err := stageOne(ctx, st, cfg.AppID, p, names[i])
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// baseNames returns each path's base name, refusing two paths that would
// be staged under the same name.
func baseNames(appID string, paths []string) ([]string, error) {
	names := make([]string, len(paths))
	seen := make(map[string]string, len(paths))
	for i, p := range paths {
		if p == "" {
			return nil, fmt.Errorf("%w for app %s: empty path", ErrInvalidSource, appID)
		}
		name := filepath.Base(p)
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("%w for app %s: %q and %q are both named %q",
				ErrDuplicateName, appID, prev, p, name)
		}
		seen[name] = p
		names[i] = name
	}
	return names, nil
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

// stageOne copies p into st as name.
func stageOne(ctx context.Context, st store, appID, p, name string) (*pb.LocalResource, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w for app %s: %w", ErrInvalidSource, appID, err)
	}
	defer f.Close()
	// Stat the open file: p may have been replaced since it was checked.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w for app %s: %w", ErrInvalidSource, appID, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w for app %s: %s is not a regular file (mode %s)", ErrInvalidSource, appID, p, fi.Mode())
	}
	d := newDigest()
	uri, err := st.put(ctx, appID, name, io.TeeReader(ctxReader{ctx: ctx, r: f}, d), fi.Mode()&0o111 != 0)
	if err != nil {
		return nil, fmt.Errorf("staging: stage %s for app %s: %w", p, appID, err)
	}
	return &pb.LocalResource{
		Name:       name,
		Uri:        uri,
		Sha256:     d.sum(),
		Size:       d.n,
		Executable: fi.Mode()&0o111 != 0,
	}, nil
}
