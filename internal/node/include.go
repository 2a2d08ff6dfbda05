package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/resolver"
)

// ErrIncludeOutsideBase refuses an included_files pattern that would
// reach outside the site's base directory.
var ErrIncludeOutsideBase = errors.New("included_files pattern leaves the base directory")

// ErrOutsideBase refuses a function whose main file lies outside the base
// directory: every file the tracer finds would be left out.
var ErrOutsideBase = errors.New("function outside the base directory")

// includes is a parsed included_files list.
type includes struct {
	base     string
	patterns []string // relative to base, slash-separated
	// fsys is base's folder; nil reads the disk.
	fsys fs.FS
	// skip are folders never matched: the build's destination, with its
	// staging folder, and the previous build's outputs.
	skip     []string
	excludes []string // the `!` patterns, likewise
	// raw maps a pattern to how the configuration wrote it, for messages.
	raw map[string]string
}

// parseIncludes validates patterns: each is relative to base (an absolute
// one must lie inside root) and may climb out of base with leading ".."
// segments (in-source includedFiles are relative to the main file, as in
// the reference), but never out of root, the site's base directory.
// Matching then happens from root.
func parseIncludes(patterns []string, base, root string) (*includes, error) {
	if root == "" {
		root = base
	}
	root = filepath.ToSlash(filepath.Clean(root))
	inc := &includes{base: filepath.FromSlash(root), raw: map[string]string{}}
	for _, raw := range patterns {
		p, exclude := strings.CutPrefix(raw, "!")
		p = filepath.ToSlash(p)
		if !path.IsAbs(p) {
			if climbsAfterGlob(p) {
				return nil, fmt.Errorf("%w: %q has \"..\" after a wildcard; write the folder out before the wildcard", ErrIncludeOutsideBase, raw)
			}
			p = path.Join(filepath.ToSlash(base), p)
		}
		rel, err := filepath.Rel(filepath.FromSlash(root), filepath.FromSlash(path.Clean(p)))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			return nil, fmt.Errorf("%w: %q climbs out of %q; included files must live in the site", ErrIncludeOutsideBase, raw, filepath.FromSlash(root))
		}
		p = filepath.ToSlash(rel)
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("included_files: %q is not a valid glob pattern", raw)
		}
		inc.raw[p] = raw
		if exclude {
			inc.excludes = append(inc.excludes, p)
		} else {
			inc.patterns = append(inc.patterns, p)
		}
	}
	return inc, nil
}

// roots are the folders the patterns are matched in: each pattern's
// part before its first wildcard, under base.
func (inc *includes) roots() []string {
	var out []string
	for _, p := range inc.patterns {
		dir, _ := doublestar.SplitPattern(p)
		out = append(out, filepath.Join(inc.base, filepath.FromSlash(dir)))
	}
	return out
}

// climbsAfterGlob reports a ".." segment after a segment with glob
// syntax, which path cleaning would resolve wrongly ("*/../x").
func climbsAfterGlob(p string) bool {
	glob := false
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." && glob {
			return true
		}
		glob = glob || strings.ContainsAny(seg, "*?[{")
	}
	return false
}

// files returns the absolute paths the patterns match, minus exclusions.
// Dotfiles match; a match that is a directory adds nothing unless it is a
// symlink to one. Such a link is kept as a link when the patterns also
// match files in its target (the archive then stores it as one, as the
// reference does: a pnpm node_modules/x -> .pnpm/x, say); otherwise the
// target's files are added under the link's name.
func (inc *includes) files() ([]string, error) {
	out, _, err := inc.matches(context.Background())
	return out, err
}

// maxPatternExpansions bounds what one pattern's braces may expand to:
// matching walks every alternative, so `{a,b}` thirty times over would
// never end.
const maxPatternExpansions = 1024

// matches is files, with the matches a `!` pattern removed beside them.
// Every directory read checks ctx, so a huge tree stops on Ctrl-C.
func (inc *includes) matches(ctx context.Context) (out, excluded []string, err error) {
	if inc == nil || len(inc.patterns) == 0 {
		return nil, nil, nil
	}
	for _, p := range append(slices.Clone(inc.patterns), inc.excludes...) {
		if n := len(config.ExpandBraces(p)); n > maxPatternExpansions {
			shown := p
			if r, ok := inc.raw[p]; ok {
				shown = r
			}
			return nil, nil, fmt.Errorf("included_files %q: its braces expand to more than %d patterns; write fewer alternatives", shown, maxPatternExpansions)
		}
	}
	fsys := inc.fsys
	if fsys == nil {
		fsys = os.DirFS(inc.base)
	}
	fsys = ctxFS{FS: fsys, ctx: ctx}
	seen := map[string]bool{}
	add := func(rel string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		p := filepath.Join(inc.base, filepath.FromSlash(rel))
		if inc.skipped(p, rel) {
			return
		}
		if inc.excluded(rel) {
			excluded = append(excluded, p)
		} else {
			out = append(out, p)
		}
	}
	var links []string // symlinked folders matched
	for _, p := range inc.patterns {
		err := doublestar.GlobWalk(fsys, p, func(rel string, d fs.DirEntry) error {
			if d.IsDir() {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if fi, err := fs.Stat(fsys, rel); err == nil && fi.IsDir() {
					links = append(links, rel)
					return nil
				}
			}
			add(rel)
			return nil
		}, doublestar.WithNoFollow())
		if err != nil {
			return nil, nil, fmt.Errorf("included_files %q: %w", p, err)
		}
	}
	for _, l := range links {
		if seen[l] {
			continue
		}
		if t := inc.linkTarget(fsys, l); t != "" && inc.matchedUnder(seen, t) {
			add(l)
			continue
		}
		// WalkDir walks the target of a root that is a link.
		err := fs.WalkDir(fsys, l, func(q string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				add(q)
			}
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("included_files: follow %q: %w", l, err)
		}
	}
	slices.Sort(out)
	slices.Sort(excluded)
	return out, excluded, nil
}

// linkTarget is the base-relative folder the link at rel points to, or
// "" when it points outside the base.
func (inc *includes) linkTarget(fsys fs.FS, rel string) string {
	target, err := fs.ReadLink(fsys, rel)
	if err != nil {
		return ""
	}
	target = filepath.ToSlash(target)
	if path.IsAbs(target) {
		r, err := filepath.Rel(inc.base, filepath.FromSlash(target))
		if err != nil {
			return ""
		}
		target = filepath.ToSlash(r)
	} else {
		target = path.Join(path.Dir(rel), target)
	}
	if target == ".." || strings.HasPrefix(target, "../") || target == "." {
		return ""
	}
	return target
}

// matchedUnder reports whether a matched, not excluded, base-relative
// path lies in folder dir.
func (inc *includes) matchedUnder(seen map[string]bool, dir string) bool {
	for rel := range seen {
		if strings.HasPrefix(rel, dir+"/") && !inc.excluded(rel) {
			return true
		}
	}
	return false
}

// skipped reports a match that must never ship: inside the destination
// (its archives, manifest and staging folder), or a temporary file of an
// atomic write.
func (inc *includes) skipped(p, rel string) bool {
	for _, d := range inc.skip {
		if r, err := filepath.Rel(d, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return true
		}
	}
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".zisi-staging-") || (strings.HasPrefix(seg, ".") && strings.Contains(seg, ".tmp-")) {
			return true
		}
	}
	return false
}

// subFS is a folder of a file system, as fs.Sub, but keeping the parent's
// Stat: fs.Sub has none, so fs.Stat would open the file, and opening a
// FIFO blocks for ever.
type subFS struct {
	parent resolver.FS
	dir    string
}

func (s subFS) full(name string) string {
	switch {
	case s.dir == "" || s.dir == ".":
		return name
	case name == ".":
		return s.dir
	}
	return path.Join(s.dir, name)
}

func (s subFS) Open(name string) (fs.File, error) { return s.parent.Open(s.full(name)) }

func (s subFS) ReadDir(name string) ([]fs.DirEntry, error) { return s.parent.ReadDir(s.full(name)) }

func (s subFS) ReadFile(name string) ([]byte, error) { return s.parent.ReadFile(s.full(name)) }

func (s subFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(s.parent, s.full(name)) }

func (s subFS) Lstat(name string) (fs.FileInfo, error) { return s.parent.Lstat(s.full(name)) }

func (s subFS) ReadLink(name string) (string, error) { return s.parent.ReadLink(s.full(name)) }

// ctxFS stops every directory read and stat once ctx is done.
type ctxFS struct {
	fs.FS
	ctx context.Context
}

func (c ctxFS) Open(name string) (fs.File, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	return c.FS.Open(name)
}

func (c ctxFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	return fs.ReadDir(c.FS, name)
}

func (c ctxFS) Stat(name string) (fs.FileInfo, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	// Never open a special file to stat it: a FIFO would block.
	if fi, err := fs.Lstat(c.FS, name); err == nil && fi.Mode().Type()&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice) != 0 {
		return fi, nil
	}
	return fs.Stat(c.FS, name)
}

func (c ctxFS) Lstat(name string) (fs.FileInfo, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	return fs.Lstat(c.FS, name)
}

func (c ctxFS) ReadLink(name string) (string, error) { return fs.ReadLink(c.FS, name) }

// excluded reports whether a base-relative path matches a `!` pattern.
func (inc *includes) excluded(rel string) bool {
	for _, e := range inc.excludes {
		if ok, _ := doublestar.Match(e, rel); ok {
			return true
		}
	}
	return false
}

// filter drops absolute paths under base that match a `!` pattern (the
// reference applies exclusions to the bundler's files too).
func (inc *includes) filter(paths []string) []string {
	if inc == nil || len(inc.excludes) == 0 {
		return paths
	}
	out := paths[:0:0]
	for _, p := range paths {
		rel, err := filepath.Rel(inc.base, p)
		if err == nil && !strings.HasPrefix(rel, "..") && inc.excluded(filepath.ToSlash(rel)) {
			continue
		}
		out = append(out, p)
	}
	return out
}
