package node

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zisi-build/zisi/resolver"
)

// ErrMissingModule classifies an import or dependency that is not
// installed; match with errors.Is.
var ErrMissingModule = errors.New("missing module")

// MissingModuleError names what is missing, who needs it and the fix.
type MissingModuleError struct {
	// Module is the specifier or package name.
	Module string
	// Importer is the file (with Line) or the package that needs it.
	Importer string
	Line     int
	// Package is set when a package's dependency is missing.
	Package string
	Fix     string
}

func (e *MissingModuleError) Error() string {
	where := e.Importer
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Importer, e.Line)
	}
	if e.Package != "" {
		return fmt.Sprintf("cannot find module %q, a dependency of %s (%s); %s", e.Module, e.Package, where, e.Fix)
	}
	return fmt.Sprintf("cannot find module %q imported by %s; %s", e.Module, where, e.Fix)
}

// Is makes MissingModuleError match ErrMissingModule.
func (e *MissingModuleError) Is(target error) bool { return target == ErrMissingModule }

// Packages is the package graph of one build: every package directory is
// listed, and its dependencies found, once, however many functions use it.
type Packages struct {
	r     *resolver.Resolver
	mu    sync.Mutex
	nodes map[string]*pkgNode
}

// NewPackages returns an empty graph reading through r.
func NewPackages(r *resolver.Resolver) *Packages {
	return &Packages{r: r, nodes: map[string]*pkgNode{}}
}

type pkgNode struct {
	once    sync.Once
	pkg     *resolver.Package
	files   []string
	deps    []edge
	native  bool
	version string
	err     error
}

// edge is one dependency of a package: found (node, links) or missing.
type edge struct {
	name     string
	pkg      *resolver.Package
	links    []string
	missing  bool
	optional bool
}

// prismaPeers are peer dependencies the reference never follows: the
// Prisma CLI is a build tool, not a runtime dependency.
var prismaPeers = []string{"@prisma/cli", "prisma2", "prisma"}

// node returns the loaded graph node for a found package.
func (p *Packages) node(pkg *resolver.Package) *pkgNode {
	p.mu.Lock()
	n, ok := p.nodes[pkg.Dir]
	if !ok {
		n = &pkgNode{pkg: pkg}
		p.nodes[pkg.Dir] = n
	}
	p.mu.Unlock()
	n.once.Do(func() { p.load(n) })
	return n
}

func (p *Packages) load(n *pkgNode) {
	pkg := n.pkg
	n.files, n.err = p.publishedFiles(pkg.Dir)
	if n.err != nil {
		return
	}
	if pkg.Name == "@prisma/client" {
		// The generated client lives next to the package, in .prisma.
		side := path.Join(pkg.Dir, "..", "..", ".prisma")
		if p.r.IsDir(side) {
			files, err := p.publishedFiles(side)
			if err != nil {
				n.err = err
				return
			}
			n.files = append(n.files, files...)
		}
	}
	j := pkg.JSON
	if j == nil {
		return
	}
	n.version = j.Version
	n.native = isNative(j)
	var names []string
	add := func(name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range sortedNames(j.Dependencies) {
		add(name)
	}
	for _, name := range sortedNames(j.PeerDependencies) {
		if !slices.Contains(prismaPeers, name) {
			add(name)
		}
	}
	for _, name := range sortedNames(j.OptionalDependencies) {
		add(name)
	}
	for _, name := range names {
		found, err := p.r.FindPackage(name, pkg.Dir)
		switch {
		case errors.Is(err, resolver.ErrNotFound):
			n.deps = append(n.deps, edge{name: name, missing: true, optional: isOptional(j, name)})
		case err != nil:
			n.err = err
			return
		default:
			// The dependency's own node is loaded during traversal, outside
			// this once, so a cycle between packages cannot deadlock.
			n.deps = append(n.deps, edge{name: name, pkg: found, links: p.r.Symlinks(found.Link)})
		}
	}
}

func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// isOptional reports whether a missing dependency may be skipped: it is
// an optional dependency or an optional peer of the package that wants it,
// or critters for a Next.js version that bundles it (reference §7.1).
func isOptional(j *resolver.PackageJSON, name string) bool {
	if j == nil {
		return false
	}
	if _, ok := j.OptionalDependencies[name]; ok {
		return true
	}
	if _, peer := j.PeerDependencies[name]; peer && j.OptionalPeers[name] {
		return true
	}
	return name == "critters" && nextBundlesCritters(j)
}

// nextBundlesCritters: Next.js 10.0.4 and later inline critters.
func nextBundlesCritters(j *resolver.PackageJSON) bool {
	v := j.Dependencies["next"]
	if v == "" {
		v = j.DevDependencies["next"]
	}
	if v == "latest" {
		return true
	}
	m := regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(v)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	patch, _ := strconv.Atoi(m[3])
	return major > 10 || major == 10 && (minor > 0 || patch >= 4)
}

// nativeMarkers are dependencies that mean a package builds or loads a
// native addon (reference §7.2).
var nativeMarkers = []string{"bindings", "nan", "node-gyp", "node-gyp-build", "node-pre-gyp", "prebuild"}

func isNative(j *resolver.PackageJSON) bool {
	if j.Binary || j.Gypfile {
		return true
	}
	for _, m := range nativeMarkers {
		if _, ok := j.Dependencies[m]; ok {
			return true
		}
		if _, ok := j.DevDependencies[m]; ok {
			return true
		}
	}
	for _, f := range j.Files {
		if strings.HasSuffix(f, ".node") {
			return true
		}
	}
	return false
}

// rootIgnored lists what is never shipped from a package's root directory
// (only the root: lib/x.ts is shipped), as the reference does.
func rootIgnored(name string, isDir bool) bool {
	if isDir {
		return name == "node_modules"
	}
	switch name {
	case ".npmignore", "package-lock.json", "yarn.lock":
		return true
	}
	for _, suffix := range []string{".log", ".lock", "~", ".map", ".ts", ".patch"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// publishedFiles lists every file of a package directory (dotfiles
// included, junk and root-level ignores excluded), following symlinked
// directories once each.
func (p *Packages) publishedFiles(dir string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var walk func(d string, root bool) error
	walk = func(d string, root bool) error {
		real, err := p.r.Realpath(d)
		if err != nil {
			return fmt.Errorf("resolve %q: %w", d, err)
		}
		if seen[real] {
			return nil
		}
		seen[real] = true
		entries, err := p.r.ReadDir(real)
		if err != nil {
			return fmt.Errorf("list %q: %w", d, err)
		}
		for _, e := range entries {
			name := e.Name()
			full := path.Join(d, name)
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				isDir = p.r.IsDir(full)
			}
			if root && rootIgnored(name, isDir) {
				continue
			}
			if isDir {
				if err := walk(full, false); err != nil {
					return err
				}
				continue
			}
			if !IsJunk(name) {
				out = append(out, full)
			}
		}
		return nil
	}
	if err := walk(dir, true); err != nil {
		return nil, err
	}
	return out, nil
}
