package resolver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/zisi-build/zisi/internal/memo"
)

// FS is the file system the resolver reads: io/fs with symlinks. Paths
// given to the Resolver are absolute, slash-separated ("/site/x.js"); they
// are looked up in FS without the leading slash, so OS() is os.DirFS("/")
// and tests use a testing/fstest.MapFS holding "site/x.js".
type FS interface {
	fs.ReadLinkFS
	fs.ReadDirFS
	fs.ReadFileFS
}

// OS returns the real file system.
func OS() FS { return os.DirFS("/").(FS) }

// ErrSymlinkLoop is returned when resolving a path follows too many links.
var ErrSymlinkLoop = errors.New("too many levels of symbolic links")

// ErrRelativePath is returned for a path that is not absolute: the
// resolver has no working directory to resolve it against (callers make
// paths absolute at their boundary).
var ErrRelativePath = errors.New("path is not absolute")

const maxLinks = 40

func fsName(p string) string {
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// cache memoises file-system answers for the life of a Resolver (one
// build): every directory is listed once and every package.json parsed
// once, however many functions ask. Its memos are read far more often
// than written, by every worker, so each is a memo.Map.
type cache struct {
	fsys  FS
	lstat memo.Map[string, lstatResult]
	// real maps a clean absolute path to its realResult.
	real memo.Map[string, realResult]
	dirs memo.Map[string, *dirResult]
	pkgs memo.Map[string, *pkgResult]
	// links memoises Resolver.Symlinks: every traced file asks it, once
	// per function that ships the file.
	links memo.Map[string, []string]
}

type lstatResult struct {
	info fs.FileInfo
	err  error
}

type realResult struct {
	path string
	// mode is the real path's own mode (never a link).
	mode fs.FileMode
	err  error
}

type dirResult struct {
	once    sync.Once
	entries []fs.DirEntry
	err     error
}

type pkgResult struct {
	once sync.Once
	pkg  *PackageJSON
	err  error
}

func newCache(fsys FS) *cache {
	return &cache{fsys: fsys}
}

// lstatMode returns the type bits of p without following a final link.
func (c *cache) lstatMode(p string) (fs.FileMode, error) {
	r := c.lstatOnce(p)
	if r.err != nil {
		return 0, r.err
	}
	return r.info.Mode(), nil
}

// lstatOnce lstats p (a clean absolute path whose folders are real) once
// per cache.
func (c *cache) lstatOnce(p string) lstatResult {
	r, ok := c.lstat.Load(p)
	if ok {
		return r
	}
	r.info, r.err = c.fsys.Lstat(fsName(p))
	c.lstat.Store(p, r)
	return r
}

// Lstat is os.Lstat(p) for an absolute path, answered from the cache:
// what lstat says of p's name in its folder's real path (the links on
// the way followed, the last one not). Tracing has lstatted every file a
// function ships this way, so the archive writer asks again for free.
func (c *cache) Lstat(p string) (fs.FileInfo, error) {
	if !path.IsAbs(p) {
		return nil, fmt.Errorf("lstat %q: %w", p, ErrRelativePath)
	}
	p = path.Clean(p)
	if p == "/" {
		return c.fsys.Lstat(".")
	}
	dir := c.realpath(path.Dir(p), 0)
	if dir.err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: dir.err}
	}
	r := c.lstatOnce(path.Join(dir.path, path.Base(p)))
	return r.info, r.err
}

// Realpath resolves every symbolic link in an absolute path, as Node.js
// does for modules it loads (fs.realpath).
func (c *cache) Realpath(p string) (string, error) {
	r := c.resolveLinks(p)
	return r.path, r.err
}

// resolveLinks is Realpath with the real path's mode. A path asked before
// (the same string: most callers pass clean paths) is one map lookup.
func (c *cache) resolveLinks(p string) realResult {
	if v, ok := c.real.Load(p); ok {
		return v
	}
	if !path.IsAbs(p) {
		return realResult{err: fmt.Errorf("resolve %q: %w", p, ErrRelativePath)}
	}
	return c.realpath(path.Clean(p), 0)
}

func (c *cache) realpath(p string, depth int) realResult {
	if p == "/" {
		return realResult{path: p, mode: fs.ModeDir | 0o755}
	}
	if v, ok := c.real.Load(p); ok {
		return v
	}
	var r realResult
	if depth > maxLinks {
		return realResult{err: fmt.Errorf("resolve %q: %w", p, ErrSymlinkLoop)}
	}
	parent := c.realpath(path.Dir(p), depth)
	err := parent.err
	if err == nil {
		cur := path.Join(parent.path, path.Base(p))
		r.mode, err = c.lstatMode(cur)
		r.path = cur
		if err == nil && r.mode&fs.ModeSymlink != 0 {
			var target string
			target, err = c.fsys.ReadLink(fsName(cur))
			if err == nil {
				if !path.IsAbs(target) {
					target = path.Join(parent.path, target)
				}
				t := c.realpath(path.Clean(target), depth+1)
				r.path, r.mode, err = t.path, t.mode, t.err
			}
		}
	}
	r.err = err
	if err != nil {
		r.path, r.mode = "", 0
	}
	c.real.Store(p, r)
	return r
}

// kind reports whether p (following links) is a regular file or a
// directory; missing paths and broken links are neither.
func (c *cache) kind(p string) (isFile, isDir bool) {
	r := c.resolveLinks(p)
	if r.err != nil {
		return false, false
	}
	return r.mode.IsRegular(), r.mode.IsDir()
}

func (c *cache) isFile(p string) bool { f, _ := c.kind(p); return f }
func (c *cache) isDir(p string) bool  { _, d := c.kind(p); return d }

// readDir lists a directory once per cache.
func (c *cache) readDir(p string) ([]fs.DirEntry, error) {
	r, ok := c.dirs.Load(p)
	if !ok {
		r, _ = c.dirs.LoadOrStore(p, &dirResult{})
	}
	r.once.Do(func() { r.entries, r.err = c.fsys.ReadDir(fsName(p)) })
	return r.entries, r.err
}
