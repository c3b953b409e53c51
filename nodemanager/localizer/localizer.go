package localizer

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"go.uber.org/zap"
)

// copyBufferSize is large enough that per-read overhead (including the
// context check) is negligible next to the copy itself.
const copyBufferSize = 1 << 20

// Localizer fetches and verifies container resources. It is safe for
// concurrent use by several containers.
type Localizer struct {
	cfg       Config
	supported string
}

// New returns a Localizer for cfg.
func New(cfg Config) (*Localizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Localizer{cfg: cfg, supported: strings.Join(cfg.schemes(), ", ")}, nil
}

// planned is a checked resource with the Fetcher for its URI.
type planned struct {
	res     *pb.LocalResource
	fetcher Fetcher
	sha256  string // lower-case hex
}

// Localize copies res into workDir, which must exist, each under its
// Name, verifying its SHA-256 (and its size when Size > 0). Every resource
// is checked before any is fetched, and all are fetched and verified
// before any is renamed into place; on failure Localize removes the files
// it wrote, so the container sees all of its resources or none. A
// checksum failure wraps ErrChecksumMismatch. Errors name the container
// and the resource.
func (l *Localizer) Localize(ctx context.Context, containerID, workDir string, res []*pb.LocalResource) error {
	if containerID == "" {
		return fmt.Errorf("%w: container id is empty", ErrInvalidRequest)
	}
	if !filepath.IsAbs(workDir) {
		return fmt.Errorf("%w: container %s: working dir %q is not an absolute path", ErrInvalidRequest, containerID, workDir)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localizer: container %s: %w", containerID, err)
	}
	plan, err := l.plan(containerID, res)
	if err != nil {
		return err
	}

	temps := make([]string, 0, len(plan))
	finals := make([]string, 0, len(plan))
	done := false
	defer func() {
		if done {
			return
		}
		for _, p := range temps {
			if p != "" {
				_ = os.Remove(p)
			}
		}
		for _, p := range finals {
			_ = os.Remove(p)
		}
	}()

	buf := make([]byte, copyBufferSize)
	var total int64
	for _, p := range plan {
		tmp, n, err := l.fetch(ctx, containerID, workDir, p, buf)
		if err != nil {
			return err
		}
		temps = append(temps, tmp)
		total += n
	}
	for i, p := range plan {
		final := filepath.Join(workDir, p.res.GetName())
		if err := os.Rename(temps[i], final); err != nil {
			return fmt.Errorf("localizer: container %s resource %q: move into place: %w", containerID, p.res.GetName(), err)
		}
		// From here the final name, not the temp, is ours to remove.
		temps[i] = ""
		finals = append(finals, final)
	}
	done = true
	l.cfg.Logger.Info("resources localized",
		zap.String("container", containerID),
		zap.Int("resources", len(plan)),
		zap.Int64("bytes", total))
	return nil
}

// plan checks every resource and picks its Fetcher, so that a bad request
// is refused before anything is fetched.
func (l *Localizer) plan(containerID string, res []*pb.LocalResource) ([]planned, error) {
	out := make([]planned, 0, len(res))
	seen := make(map[string]bool, len(res))
	for i, r := range res {
		if r == nil {
			return nil, fmt.Errorf("%w: container %s: resource %d is nil", ErrInvalidResource, containerID, i)
		}
		name := r.GetName()
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: container %s resource %q: %s", ErrInvalidResource, containerID, name, fmt.Sprintf(format, args...))
		}
		if reason := nameProblem(name); reason != "" {
			return nil, bad("name %s", reason)
		}
		if seen[name] {
			return nil, bad("name given twice")
		}
		seen[name] = true
		sum := strings.ToLower(r.GetSha256())
		if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
			return nil, bad("sha256 %q is not 64 hex digits", r.GetSha256())
		}
		if r.GetSize() < 0 {
			return nil, bad("size %d is negative", r.GetSize())
		}
		u, err := url.Parse(r.GetUri())
		if err != nil {
			return nil, bad("URI %q does not parse: %v", r.GetUri(), err)
		}
		f, ok := l.cfg.Fetchers[u.Scheme]
		if !ok {
			return nil, fmt.Errorf("%w: container %s resource %q: scheme %q in %q; supported: %s",
				ErrUnsupportedScheme, containerID, name, u.Scheme, r.GetUri(), l.supported)
		}
		out = append(out, planned{res: r, fetcher: f, sha256: sum})
	}
	return out, nil
}
