package resolver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Graph is the package graph of one build: every package directory is
// listed, and its dependencies found, once, however many functions use
// it. It is safe for concurrent use.
type Graph struct {
	r     *Resolver
	mu    sync.Mutex
	nodes map[string]*Node
}

// NewGraph returns an empty graph reading through r.
func NewGraph(r *Resolver) *Graph {
	return &Graph{r: r, nodes: map[string]*Node{}}
}

// Node is one package of the graph: the files it ships (every published
// file, the reference's rule) and its dependencies.
type Node struct {
	mu     sync.Mutex
	loaded bool
	Pkg    *Package
	// Files are the package's files, dotfiles included, junk and the
	// root-level ignores left out.
	Files []string
	// Deps are its dependencies, peer dependencies (but the Prisma CLI)
	// and optional dependencies, found from the package's own directory.
	Deps    []Dep
	Native  bool
	Version string
	Err     error
}

// Dep is one dependency of a package: Pkg is nil when it is not
// installed.
type Dep struct {
	Name string
	Pkg  *Package
	// Links are the symbolic links on the way to it (pnpm).
	Links []string
	// Optional: a missing Pkg may be skipped.
	Optional bool
}

// prismaPeers are peer dependencies the reference never follows: the
// Prisma CLI is a build tool, not a runtime dependency.
var prismaPeers = []string{"@prisma/cli", "prisma2", "prisma"}

// Node returns the loaded graph node for a found package. Listing a
// package's files stops when ctx ends; the node then holds ctx's error
// and is loaded again by the next caller.
func (p *Graph) Node(ctx context.Context, pkg *Package) *Node {
	p.mu.Lock()
	n, ok := p.nodes[pkg.Dir]
	if !ok {
		n = &Node{Pkg: pkg}
		p.nodes[pkg.Dir] = n
	}
	p.mu.Unlock()
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.loaded {
		loaded := &Node{Pkg: pkg}
		p.load(ctx, loaded)
		if loaded.Err != nil && ctx.Err() != nil && errors.Is(loaded.Err, ctx.Err()) {
			return loaded // cancelled: not kept
		}
		n.Files, n.Deps, n.Native, n.Version, n.Err = loaded.Files, loaded.Deps, loaded.Native, loaded.Version, loaded.Err
		n.loaded = true
	}
	return n
}

func (p *Graph) load(ctx context.Context, n *Node) {
	pkg := n.Pkg
	n.Files, n.Err = p.publishedFiles(ctx, pkg.Dir)
	if n.Err != nil {
		return
	}
	if pkg.Name == "@prisma/client" {
		// The generated client lives next to the package, in .prisma.
		side := path.Join(pkg.Dir, "..", "..", ".prisma")
		if p.r.IsDir(side) {
			files, err := p.publishedFiles(ctx, side)
			if err != nil {
				n.Err = err
				return
			}
			n.Files = append(n.Files, files...)
		}
	}
	j := pkg.JSON
	if j == nil {
		return
	}
	n.Version = j.Version
	n.Native = IsNative(j)
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
		case errors.Is(err, ErrNotFound):
			n.Deps = append(n.Deps, Dep{Name: name, Optional: IsOptional(j, name)})
		case err != nil:
			n.Err = err
			return
		default:
			// The dependency's own node is loaded during traversal, outside
			// this load, so a cycle between packages cannot deadlock.
			n.Deps = append(n.Deps, Dep{Name: name, Pkg: found, Links: p.r.Symlinks(found.Link)})
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

// IsOptional reports whether a missing dependency may be skipped: it is
// an optional dependency or an optional peer of the package that wants it,
// or critters for a Next.js version that bundles it (reference §7.1).
func IsOptional(j *PackageJSON, name string) bool {
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

// nextCritters is the first Next.js version that inlines critters.
var nextCritters = semver{num: [3]int{10, 0, 4}}

// nextBundlesCritters: Next.js 10.0.4 and later inline critters, so a
// missing critters is fine when the package.json's next (dependencies,
// else devDependencies) is latest, an exact version from 10.0.4, or a
// range that can install one (the reference's isExternalCrittersModule:
// ^10.0.0 and ^10.0.5 can, ^9.5.5 cannot).
func nextBundlesCritters(j *PackageJSON) bool {
	v, ok := j.Dependencies["next"]
	if v == "" {
		if dv, dok := j.DevDependencies["next"]; dok {
			v, ok = dv, true
		}
	}
	switch {
	case !ok:
		return false
	case v == "latest":
		return true
	}
	if exact, ok := parseSemver(v); ok {
		return compareSemver(exact, nextCritters) >= 0
	}
	return allowsFrom(v, nextCritters)
}

// nativeMarkers are dependencies that mean a package builds or loads a
// native addon (reference §7.2).
var nativeMarkers = []string{"bindings", "nan", "node-gyp", "node-gyp-build", "node-pre-gyp", "prebuild"}

// IsNative reports whether a package builds or loads a native addon.
func IsNative(j *PackageJSON) bool {
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
// directories once each. It stops when ctx ends.
func (p *Graph) publishedFiles(ctx context.Context, dir string) ([]string, error) {
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
			if err := ctx.Err(); err != nil {
				return err
			}
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

// IsJunk reports whether a file name is OS or editor litter, the names
// the npm package junk (v4) flags, which the reference never ships.
func IsJunk(name string) bool {
	switch name {
	case "npm-debug.log", ".DS_Store", ".AppleDouble", ".LSOverride", "Icon\r", ".Spotlight-V100",
		"__MACOSX", "Thumbs.db", "ehthumbs.db", "Desktop.ini", "desktop.ini":
		return true
	}
	return strings.HasPrefix(name, "._") || strings.HasSuffix(name, "~") || strings.HasSuffix(name, "@eaDir") ||
		strings.Contains(name, ".Trashes") || (name != "" && name[0] == '.' && strings.HasSuffix(name[1:], ".swp"))
}
