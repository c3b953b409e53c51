package dfs

import (
	"fmt"
	"path"
	"strings"
)

// CleanPath checks that p is an absolute slash path that stays within
// a store's root and returns it cleaned. ".." is checked before cleaning
// because path.Clean would silently clamp "/../x" to "/x", hiding a path
// that was meant to leave the root.
func CleanPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path: %w", ErrInvalidPath)
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("path %q is not absolute: %w", p, ErrInvalidPath)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte: %w", p, ErrInvalidPath)
	}
	depth := 0
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return "", fmt.Errorf("path %q: %w", p, ErrPathEscapes)
			}
		default:
			depth++
		}
	}
	return path.Clean(p), nil
}
