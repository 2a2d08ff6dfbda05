package resolver

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// ErrNotFound classifies a specifier that resolves to nothing.
var ErrNotFound = errors.New("cannot find module")

// NotFoundError says which specifier could not be resolved from where.
type NotFoundError struct {
	Specifier string
	From      string
	// Reason adds detail, e.g. that a package's exports hide a subpath.
	Reason string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("cannot find module %q from %q", e.Specifier, e.From)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is makes NotFoundError match ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Mode selects the package.json conditions: require() or import.
type Mode int

// Resolution modes.
const (
	Require Mode = iota
	Import
)

// DefaultExtensions are tried, in order, after an exact file name:
// Node's own (.js .json .node) plus .mjs and .cjs, which Node finds only
// when written out but which users expect a bundler to find.
var DefaultExtensions = []string{".js", ".json", ".node", ".mjs", ".cjs"}

// Resolver resolves module specifiers with Node.js's algorithm
// (https://nodejs.org/api/modules.html#all-together and the ESM
// resolver's exports/imports rules). It caches every file-system answer
// and is safe for concurrent use; create one per build.
type Resolver struct {
	c *cache
	// Extensions are tried after the exact name; DefaultExtensions when nil.
	Extensions []string
}

// New returns a Resolver reading fsys.
func New(fsys FS) *Resolver { return &Resolver{c: newCache(fsys)} }

// Result is a resolved specifier.
type Result struct {
	// Builtin is set (to the name without `node:`) for Node.js built-ins.
	Builtin string
	// Path is the real path of the resolved file.
	Path string
	// Package is the package the file was found in through node_modules
	// or a self-reference; nil for local files.
	Package *Package
}

// Package is a package directory found in a node_modules folder.
type Package struct {
	Name string
	// Link is where it was found (dir/node_modules/name), which may be or
	// go through a symlink; Dir is its real path.
	Link, Dir string
	JSON      *PackageJSON
}

func (r *Resolver) exts() []string {
	if r.Extensions != nil {
		return r.Extensions
	}
	return DefaultExtensions
}

// Realpath resolves all symlinks in an absolute path.
func (r *Resolver) Realpath(p string) (string, error) { return r.c.Realpath(p) }

// Lstat is os.Lstat(p) for an absolute path, from the build's cached
// answers (the resolver has lstatted every file it resolved).
func (r *Resolver) Lstat(p string) (fs.FileInfo, error) { return r.c.Lstat(p) }

// FS is the file system the resolver reads.
func (r *Resolver) FS() FS { return r.c.fsys }

// ReadFile reads the absolute path p through the resolver's file system
// (not cached: callers read a file once).
func (r *Resolver) ReadFile(p string) ([]byte, error) {
	if !path.IsAbs(p) {
		return nil, fmt.Errorf("read %q: %w", p, ErrRelativePath)
	}
	return r.c.fsys.ReadFile(fsName(path.Clean(p)))
}

// IsFile and IsDir follow symlinks.
func (r *Resolver) IsFile(p string) bool { return r.c.isFile(p) }

// IsDir reports whether p is (or links to) a directory.
func (r *Resolver) IsDir(p string) bool { return r.c.isDir(p) }

// ReadDir lists a directory; each directory is read once per Resolver.
func (r *Resolver) ReadDir(p string) ([]fs.DirEntry, error) { return r.c.readDir(p) }

// PackageJSON returns dir/package.json, or nil when there is none.
func (r *Resolver) PackageJSON(dir string) (*PackageJSON, error) { return r.c.packageJSON(dir) }

// NearestPackageJSON returns the closest package.json at or above dir.
func (r *Resolver) NearestPackageJSON(dir string) (*PackageJSON, error) {
	if !path.IsAbs(dir) {
		return nil, fmt.Errorf("find package.json above %q: %w", dir, ErrRelativePath)
	}
	for d := dir; ; d = path.Dir(d) {
		if path.Base(d) != "node_modules" {
			pkg, err := r.c.packageJSON(d)
			if err != nil || pkg != nil {
				return pkg, err
			}
		}
		if d == "/" {
			return nil, nil
		}
	}
}

// Symlinks returns every symbolic link on the way to p (as the paths of
// the links themselves, after resolving the links before them), so an
// archive can recreate the links Node.js will follow at run time. The
// answer is computed once per path for the life of the Resolver; callers
// must not modify it.
func (r *Resolver) Symlinks(p string) []string {
	out, ok := r.c.links.Load(p)
	if ok {
		return out
	}
	// Clipped, so that a caller's append copies instead of writing into
	// the shared answer.
	out = slices.Clip(r.symlinks(p))
	r.c.links.Store(p, out)
	return out
}

func (r *Resolver) symlinks(p string) []string {
	var out []string
	cur := "/"
	for _, part := range strings.Split(strings.Trim(path.Clean(p), "/"), "/") {
		if part == "" {
			continue
		}
		next := path.Join(cur, part)
		if mode, err := r.c.lstatMode(next); err == nil && mode&fs.ModeSymlink != 0 {
			out = append(out, next)
		}
		real, err := r.c.Realpath(next)
		if err != nil {
			return out
		}
		cur = real
	}
	return out
}

// Resolve resolves specifier as written in a file in fromDir.
func (r *Resolver) Resolve(specifier, fromDir string, mode Mode) (*Result, error) {
	if IsBuiltin(specifier) {
		return &Result{Builtin: StripNodePrefix(specifier)}, nil
	}
	from, err := r.c.Realpath(fromDir)
	if err != nil {
		return nil, err
	}
	notFound := &NotFoundError{Specifier: specifier, From: fromDir}
	switch {
	case isRelative(specifier):
		target := specifier
		if !path.IsAbs(target) {
			target = path.Join(from, specifier)
		}
		if p := r.loadFileOrDir(target); p != "" {
			return r.local(p)
		}
		return nil, notFound
	case strings.HasPrefix(specifier, "#"):
		return r.resolveImports(specifier, from, mode, notFound)
	}
	name, sub := SplitPackage(specifier)
	if name == "" {
		return nil, notFound
	}
	if res, ok, err := r.resolveSelf(name, sub, from, mode); ok || err != nil {
		return res, err
	}
	for _, nm := range nodeModulesPaths(from) {
		link := path.Join(nm, name)
		if !r.c.isDir(link) {
			continue
		}
		return r.resolveInPackage(name, sub, link, mode, notFound)
	}
	return nil, notFound
}

// IsRelative reports whether a specifier is a path (./x, ../x, /x, . or
// ..) rather than a package name, a built-in or a #import.
func IsRelative(s string) bool { return isRelative(s) }

func isRelative(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/")
}

// SplitPackage splits a bare specifier into package name and subpath:
// "@scope/x/y" → ("@scope/x", "./y"), "x" → ("x", "."). A bare "@scope"
// has no package name.
//
// A first segment that starts with a dot is a folder of packages like a
// scope: under Node's rules only "./", "../" and "/" start a path, so
// ".prisma/client" is the package at node_modules/.prisma/client, where
// Prisma generates its client (and which has the package.json).
func SplitPackage(spec string) (name, subpath string) {
	parts := strings.SplitN(spec, "/", 3)
	n := 1
	if strings.HasPrefix(spec, "@") || (strings.HasPrefix(spec, ".") && len(parts) > 1 && parts[1] != "") {
		if len(parts) < 2 || parts[1] == "" {
			return "", ""
		}
		n = 2
	}
	name = strings.Join(parts[:n], "/")
	if rest := strings.TrimPrefix(spec, name); rest != "" {
		return name, "." + rest
	}
	return name, "."
}

// nodeModulesPaths lists dir/node_modules for dir and each ancestor,
// skipping directories that are themselves node_modules.
func nodeModulesPaths(dir string) []string {
	var out []string
	for d := dir; ; d = path.Dir(d) {
		if path.Base(d) != "node_modules" {
			out = append(out, path.Join(d, "node_modules"))
		}
		if d == "/" {
			return out
		}
	}
}

func (r *Resolver) local(p string) (*Result, error) {
	real, err := r.c.Realpath(p)
	if err != nil {
		return nil, err
	}
	return &Result{Path: real}, nil
}

// resolveInPackage resolves subpath of the package found at link.
func (r *Resolver) resolveInPackage(name, sub, link string, mode Mode, notFound *NotFoundError) (*Result, error) {
	dir, err := r.c.Realpath(link)
	if err != nil {
		return nil, err
	}
	pkgJSON, err := r.c.packageJSON(dir)
	if err != nil {
		return nil, err
	}
	pkg := &Package{Name: name, Link: link, Dir: dir, JSON: pkgJSON}
	var p string
	if pkgJSON != nil && pkgJSON.Exports != nil {
		p, err = r.resolveExports(pkgJSON, sub, mode)
		if err != nil {
			notFound.Reason = err.Error()
			return nil, notFound
		}
	} else {
		p = r.loadFileOrDir(path.Join(dir, sub))
	}
	if p == "" {
		return nil, notFound
	}
	real, err := r.c.Realpath(p)
	if err != nil {
		return nil, err
	}
	return &Result{Path: real, Package: pkg}, nil
}

// resolveSelf handles a package importing itself by name through its own
// exports (Node's LOAD_PACKAGE_SELF).
func (r *Resolver) resolveSelf(name, sub, from string, mode Mode) (*Result, bool, error) {
	pkg, err := r.NearestPackageJSON(from)
	if err != nil || pkg == nil || pkg.Name != name || pkg.Exports == nil {
		return nil, false, err
	}
	p, err := r.resolveExports(pkg, sub, mode)
	if err != nil || p == "" {
		return nil, false, nil
	}
	real, err := r.c.Realpath(p)
	if err != nil {
		return nil, true, err
	}
	return &Result{Path: real, Package: &Package{Name: name, Link: pkg.Dir, Dir: pkg.Dir, JSON: pkg}}, true, nil
}

// resolveImports resolves a "#name" specifier through the nearest
// package.json's imports field.
func (r *Resolver) resolveImports(spec, from string, mode Mode, notFound *NotFoundError) (*Result, error) {
	pkg, err := r.NearestPackageJSON(from)
	if err != nil {
		return nil, err
	}
	if pkg == nil || pkg.Imports == nil || pkg.Imports.Kind != Object {
		notFound.Reason = "no package.json imports field applies"
		return nil, notFound
	}
	m, ok := MatchSubpath(pkg.Dir, pkg.Imports, spec, Conditions{Mode: mode}, true, r.c.isFile)
	if !ok || m.Excluded {
		notFound.Reason = "not listed in package.json imports"
		return nil, notFound
	}
	target := m.Targets[0]
	if isRelative(target) {
		return r.local(target)
	}
	// An imports target may name another package.
	return r.Resolve(target, pkg.Dir, mode)
}

// loadFileOrDir is Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY.
func (r *Resolver) loadFileOrDir(x string) string {
	if p := r.loadFile(x); p != "" {
		return p
	}
	return r.loadDir(x)
}

func (r *Resolver) loadFile(x string) string {
	if r.c.isFile(x) {
		return x
	}
	for _, ext := range r.exts() {
		if r.c.isFile(x + ext) {
			return x + ext
		}
	}
	return ""
}

func (r *Resolver) loadIndex(x string) string {
	for _, ext := range r.exts() {
		if p := path.Join(x, "index"+ext); r.c.isFile(p) {
			return p
		}
	}
	return ""
}

func (r *Resolver) loadDir(x string) string {
	if !r.c.isDir(x) {
		return ""
	}
	if pkg, _ := r.c.packageJSON(x); pkg != nil && pkg.Main != "" {
		m := path.Join(x, pkg.Main)
		if p := r.loadFile(m); p != "" {
			return p
		}
		if p := r.loadIndex(m); p != "" {
			return p
		}
	}
	return r.loadIndex(x)
}

// resolveExports applies a package's exports to subpath ("." or "./x").
func (r *Resolver) resolveExports(pkg *PackageJSON, sub string, mode Mode) (string, error) {
	m, ok := MatchSubpath(pkg.Dir, pkg.Exports, sub, Conditions{Mode: mode}, false, r.c.isFile)
	if !ok {
		return "", fmt.Errorf("package %q does not export %q (package.json exports)", pkg.Name, sub)
	}
	if m.Excluded {
		return "", fmt.Errorf("package %q excludes %q from its exports", pkg.Name, sub)
	}
	target := m.Targets[0]
	if !r.c.isFile(target) {
		return "", fmt.Errorf("package %q exports %q as %q, which does not exist", pkg.Name, sub, target)
	}
	return target, nil
}

// FindPackage finds the directory of package name as Node.js would from a
// file in fromDir: the first node_modules/name holding a package.json,
// walking up from fromDir's real path. It ignores exports, because a
// package is shipped whole whatever it exports.
func (r *Resolver) FindPackage(name, fromDir string) (*Package, error) {
	from, err := r.c.Realpath(fromDir)
	if err != nil {
		return nil, err
	}
	for _, nm := range nodeModulesPaths(from) {
		link := path.Join(nm, name)
		if !r.c.isFile(path.Join(link, "package.json")) {
			continue
		}
		dir, err := r.c.Realpath(link)
		if err != nil {
			return nil, err
		}
		pkg, err := r.c.packageJSON(dir)
		if err != nil {
			return nil, err
		}
		return &Package{Name: name, Link: link, Dir: dir, JSON: pkg}, nil
	}
	return nil, &NotFoundError{Specifier: name, From: fromDir}
}

// WithExtensions returns a Resolver sharing r's cache that tries exts
// after an exact file name.
func (r *Resolver) WithExtensions(exts []string) *Resolver {
	return &Resolver{c: r.c, Extensions: exts}
}
