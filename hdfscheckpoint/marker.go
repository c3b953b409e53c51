package hdfscheckpoint

import (
	"context"
	"fmt"
	"path"
	"time"
)

// DefaultMarkerName is the shutdown marker's file name in the checkpoint
// directory when no marker path is configured.
const DefaultMarkerName = "_shutdown"

// CompletedSuffix is appended to the marker's path once the job has stopped
// at a batch boundary.
const CompletedSuffix = ".COMPLETED"

// asideTimeLayout is yyyyMMddHHmmss.
const asideTimeLayout = "20060102150405"

// MarkerPath returns the shutdown marker's path: configured when it is
// absolute, configured within checkpointDir when it is relative, and
// <checkpointDir>/_shutdown when it is empty.
func MarkerPath(checkpointDir, configured string) string {
	switch {
	case configured == "":
		return path.Join(checkpointDir, DefaultMarkerName)
	case path.IsAbs(configured):
		return path.Clean(configured)
	default:
		return path.Join(checkpointDir, configured)
	}
}

// PlaceMarker asks the job to stop gracefully: it creates the (empty) marker
// at p, replacing one already there.
func PlaceMarker(ctx context.Context, store Store, p string) error {
	if err := store.WriteFile(ctx, p, nil); err != nil {
		return fmt.Errorf("place shutdown marker: %w", err)
	}
	return nil
}

// MarkerPresent reports whether a graceful stop has been asked for.
func MarkerPresent(ctx context.Context, store Store, p string) (bool, error) {
	ok, err := store.Exists(ctx, p)
	if err != nil {
		return false, fmt.Errorf("check shutdown marker %s: %w", p, err)
	}
	return ok, nil
}

// CompleteMarker records that the job stopped gracefully by renaming the
// marker to <p>.COMPLETED, replacing an older one. A missing marker wraps
// ErrNotFound and leaves an older .COMPLETED in place.
func CompleteMarker(ctx context.Context, store Store, p string) error {
	done := p + CompletedSuffix
	present, err := store.Exists(ctx, p)
	if err != nil {
		return fmt.Errorf("complete shutdown marker %s: %w", p, err)
	}
	if !present {
		return fmt.Errorf("complete shutdown marker %s: %w", p, ErrNotFound)
	}
	if err := store.Delete(ctx, done); err != nil {
		return fmt.Errorf("complete shutdown marker %s: %w", p, err)
	}
	if err := store.Rename(ctx, p, done); err != nil {
		return fmt.Errorf("complete shutdown marker %s: %w", p, err)
	}
	return nil
}

// MoveCheckpointAside renames checkpoint directory dir to
// <dir>.<yyyyMMddHHmmss> (now in UTC) so that the job starts afresh while
// the old checkpoint stays for inspection, and returns the new path. A
// missing dir wraps ErrNotFound; a target already there (two moves within a
// second) wraps ErrExists.
func MoveCheckpointAside(ctx context.Context, store Store, dir string, now time.Time) (string, error) {
	clean, err := cleanStorePath(dir)
	if err != nil {
		return "", fmt.Errorf("move checkpoint aside: %w", err)
	}
	if clean == "/" {
		return "", fmt.Errorf("move checkpoint aside %s: not a checkpoint directory: %w", clean, ErrInvalidPath)
	}
	aside := clean + "." + now.UTC().Format(asideTimeLayout)
	if err := store.Rename(ctx, clean, aside); err != nil {
		return "", fmt.Errorf("move checkpoint aside: %w", err)
	}
	return aside, nil
}
