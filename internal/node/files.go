package node

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/resolver"
)

// IsJunk reports whether a file name is OS or editor litter (see
// resolver.IsJunk).
func IsJunk(name string) bool { return resolver.IsJunk(name) }

// TreeFiles lists every file a directory function ships regardless of
// imports: all files under dir except dotfiles and dot-directories,
// node_modules directories and junk. Symlinked files are listed as they
// are; symlinked directories are walked under their link name, once per
// real directory so that a link loop ends. The result is sorted.
// It reads through r.
func TreeFiles(ctx context.Context, r *resolver.Resolver, dir string) ([]string, error) {
	var out []string
	visited := map[string]bool{}
	var walk func(dir string) error
	walk = func(dir string) error {
		real, err := r.Realpath(dir)
		if err != nil {
			return fmt.Errorf("resolve %q: %w", dir, err)
		}
		if visited[real] {
			return nil
		}
		visited[real] = true
		entries, err := r.ReadDir(real)
		if err != nil {
			return fmt.Errorf("list %q: %w", dir, err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			name := e.Name()
			if strings.HasPrefix(name, ".") || IsJunk(name) {
				continue
			}
			p := filepath.Join(dir, name)
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 && r.IsDir(p) {
				isDir = true
			}
			if isDir {
				if name == "node_modules" {
					continue
				}
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			out = append(out, p)
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// commonDir returns the deepest directory containing every path's parent
// (segment-wise, like the npm package common-path-prefix the reference
// uses).
func commonDir(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	prefix := parentDir(paths[0])
	for _, p := range paths[1:] {
		prefix = commonSegments(prefix, parentDir(p))
	}
	if prefix == "" {
		return string(filepath.Separator)
	}
	return prefix
}

// parentDir is filepath.Dir(p), without cleaning p again when it is a
// clean absolute path (every shipped file's is).
func parentDir(p string) string {
	if !isClean(p) {
		return filepath.Dir(p)
	}
	i := strings.LastIndexByte(p, filepath.Separator)
	if i == 0 {
		return p[:1]
	}
	return p[:i]
}

// commonSegments is the longest run of whole leading segments a and b
// share ("" when none, as for "/x" and "/y"): each file of a function
// narrows it once, so it compares bytes rather than splitting paths.
func commonSegments(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	const sep = filepath.Separator
	switch {
	case n == len(a) && (n == len(b) || b[n] == sep):
		return a
	case n == len(b) && a[n] == sep:
		return b
	}
	if i := strings.LastIndexByte(a[:n], sep); i >= 0 {
		return a[:i]
	}
	return ""
}
