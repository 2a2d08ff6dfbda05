package node

import (
	"context"
	"fmt"
	"github.com/zisi-build/zisi/resolver"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
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
	prefix := strings.Split(filepath.Dir(paths[0]), string(filepath.Separator))
	for _, p := range paths[1:] {
		parts := strings.Split(filepath.Dir(p), string(filepath.Separator))
		n := 0
		for n < len(prefix) && n < len(parts) && prefix[n] == parts[n] {
			n++
		}
		prefix = prefix[:n]
	}
	dir := strings.Join(prefix, string(filepath.Separator))
	if dir == "" {
		return string(filepath.Separator)
	}
	return dir
}
