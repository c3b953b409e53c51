package localizer

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/staging"
	"github.com/spindlehq/spindle/unpack"
	"go.uber.org/zap"
)

// copyBufferSize is large enough that per-read overhead (including the
// context check) is negligible next to the copy itself.
const copyBufferSize = 1 << 20

// copyBuffers keeps copy buffers between fetches: a launch served from
// the cache needs none.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// Localizer fetches and verifies container resources, through its cache
// when it has one. It is safe for concurrent use by several containers.
type Localizer struct {
	cfg       Config
	supported string
	// own is the default fetcher, which Close closes.
	own   *StoreFetcher
	cache *cache
}

// New returns a Localizer for cfg; Close releases its connections.
func New(cfg Config) (*Localizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var own *StoreFetcher
	if cfg.Fetchers == nil {
		own = NewStoreFetcher()
		cfg.Fetchers = map[string]Fetcher{}
		for _, s := range storeSchemes {
			cfg.Fetchers[s] = own
		}
	}
	cfg = cfg.withDefaults()
	l := &Localizer{cfg: cfg, supported: strings.Join(cfg.schemes(), ", "), own: own}
	if cfg.CacheTargetBytes > 0 {
		l.cache = newCache(cfg.CacheTargetBytes, cfg.LocalDirs, cfg.Logger)
	}
	return l, nil
}

// Close closes the stores the default fetcher opened.
func (l *Localizer) Close() error {
	if l.own == nil {
		return nil
	}
	return l.own.Close()
}

// Request is one container's localization.
type Request struct {
	// ContainerID names the container in errors and logs.
	ContainerID string
	// User is the application's user: resources are cached per user.
	// Empty means no caching.
	User string
	// WorkDir is the container's working dir, an existing absolute path.
	WorkDir string
	// Resources are the files and archives to place in WorkDir.
	Resources []*pb.LocalResource
}

// planned is a checked resource with the Fetcher for its URI.
type planned struct {
	res     *pb.LocalResource
	fetcher Fetcher
	sha256  string // lower-case hex
	format  unpack.Format
}

// Localize places each resource in the working dir under its Name: a file
// verified against its SHA-256 (and its size when Size > 0), or an
// archive's content unpacked into a dir. With a cache, a resource this
// user already has on the node is hard-linked from it, without fetching.
// Every resource is checked before any is fetched, and all are in place
// under temporary names before any is renamed to its Name; on failure
// Localize removes what it wrote, so the container sees all of its
// resources or none. A checksum failure wraps ErrChecksumMismatch. Errors
// name the container and the resource.
func (l *Localizer) Localize(ctx context.Context, req Request) error {
	containerID, workDir := req.ContainerID, req.WorkDir
	if containerID == "" {
		return fmt.Errorf("%w: container id is empty", ErrInvalidRequest)
	}
	if !filepath.IsAbs(workDir) {
		return fmt.Errorf("%w: container %s: working dir %q is not an absolute path", ErrInvalidRequest, containerID, workDir)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localizer: container %s: %w", containerID, err)
	}
	plan, err := l.plan(containerID, req.Resources)
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
				_ = os.RemoveAll(p)
			}
		}
		for _, p := range finals {
			_ = os.RemoveAll(p)
		}
	}()

	cacheDir := l.cacheDir(req)
	var total int64
	hits := 0
	for _, p := range plan {
		tmp, n, hit, err := l.place(ctx, containerID, workDir, cacheDir, p)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return err
		}
		total += n
		if hit {
			hits++
		}
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
		zap.Int("cached", hits),
		zap.Int64("bytes", total))
	return nil
}

// place puts p into workDir under a hidden temporary name, which it
// returns even on failure once something exists there, so that the caller
// removes it: through the cache in cacheDir, or fetched directly when
// cacheDir is empty.
func (l *Localizer) place(ctx context.Context, containerID, workDir, cacheDir string, p planned) (string, int64, bool, error) {
	archive := p.res.GetType() == pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE
	if cacheDir == "" {
		tmp, n, err := l.obtain(ctx, containerID, workDir, p, false)
		return tmp, n, false, err
	}
	kind := "f"
	switch {
	case archive:
		kind = "a"
	case p.res.GetExecutable():
		kind = "x"
	}
	e, hit, err := l.cache.acquire(ctx, filepath.Join(cacheDir, p.sha256+"-"+kind), archive, func(dir string) (string, error) {
		tmp, _, err := l.obtain(ctx, containerID, dir, p, true)
		return tmp, err
	})
	if err != nil {
		return "", 0, false, err
	}
	defer l.cache.release(e)
	dst := filepath.Join(workDir, linkName(p.res.GetName()))
	if err := linkInto(e.path, dst, archive); err != nil {
		return dst, 0, hit, fmt.Errorf("localizer: container %s resource %q: link from the cache: %w", containerID, p.res.GetName(), err)
	}
	return dst, e.size, hit, nil
}

// cacheDir is where req's user's cache lives: under the local dir that
// holds the working dir, or "" when nothing is to be cached.
func (l *Localizer) cacheDir(req Request) string {
	if l.cache == nil || staging.NameProblem(req.User) != "" {
		return ""
	}
	for _, d := range l.cfg.LocalDirs {
		rel, err := filepath.Rel(d, req.WorkDir)
		if err == nil && rel != "." && filepath.IsLocal(rel) {
			return filepath.Join(d, cacheSubdir(req.User))
		}
	}
	return ""
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
		if reason := staging.NameProblem(name); reason != "" {
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
		p := planned{res: r, sha256: sum}
		switch r.GetType() {
		case pb.LocalResourceType_LOCAL_RESOURCE_TYPE_FILE:
		case pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE:
			if p.format = unpack.FormatOf(u.Path); p.format == unpack.None {
				return nil, bad("archive %q has no archive extension (%s)", r.GetUri(), unpack.Supported())
			}
		default:
			return nil, bad("type %v is not FILE or ARCHIVE", r.GetType())
		}
		f, ok := l.cfg.Fetchers[u.Scheme]
		if !ok {
			return nil, fmt.Errorf("%w: container %s resource %q: scheme %q in %q; supported: %s",
				ErrUnsupportedScheme, containerID, name, u.Scheme, r.GetUri(), l.supported)
		}
		p.fetcher = f
		out = append(out, p)
	}
	return out, nil
}
