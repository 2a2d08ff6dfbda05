package node

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/resolver"
)

// resolve finds what a specifier loads the way the file tracer must: like
// Node.js, but answering every file a package could load. For a package
// with an exports map that is both the exports target and, when
// different, the legacy main file (older runtimes and bundlers load it),
// as @vercel/nft does with exportsOnly off. package.json files consulted
// to get there are shipped too.
func (t *tracer) resolve(spec, parent string, cjs bool) ([]string, error) {
	key := resolveKey{spec: spec, dir: filepath.Dir(parent), cjs: cjs, base: t.base, nodeMajor: t.nodeMajor}
	if r, ok := t.env.resolutions.Load(key); ok {
		r.replay(t, parent)
		return r.paths, r.err
	}
	r := &resolution{}
	t.recording, r.importer = r, parent
	missing := len(t.missing)
	r.paths, r.err = t.resolveUncached(spec, parent, cjs)
	t.recording = nil
	r.missing = slices.Clone(t.missing[missing:])
	t.env.resolutions.Store(key, r)
	return r.paths, r.err
}

// resolveKey is what a resolution depends on: the importer only through
// its folder, and of the tracer, the base (what counts as the site's own)
// and the Node.js version (module-sync exports).
type resolveKey struct {
	spec, dir string
	cjs       bool
	base      string
	nodeMajor int
}

// resolution is one resolve's answer, with what it shipped on the way
// (package.json files, each with the file it is shipped for) and the
// paths it found missing, replayed for every later importer in the same
// folder: every function that ships a package resolves its imports
// again.
type resolution struct {
	paths    []string
	err      error
	importer string
	emits    []emitted
	missing  []string
}

type emitted struct {
	path, parent string
	// forImporter: shipped for the importer (parent is the importer of
	// the resolution that recorded it).
	forImporter bool
}

func (r *resolution) record(p, parent string) {
	r.emits = append(r.emits, emitted{p, parent, parent == r.importer})
}

func (r *resolution) replay(t *tracer, importer string) {
	for _, e := range r.emits {
		parent := e.parent
		if e.forImporter {
			parent = importer
		}
		t.emitFile(e.path, parent)
	}
	t.missing = append(t.missing, r.missing...)
}

func (t *tracer) resolveUncached(spec, parent string, cjs bool) ([]string, error) {
	switch {
	case filepath.IsAbs(spec) || spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../"):
		p := spec
		if !filepath.IsAbs(spec) {
			p = filepath.Join(filepath.Dir(parent), spec)
		}
		if strings.HasSuffix(spec, "/") {
			p += "/"
		}
		if r := t.resolveFileOrDir(p, parent); r != "" {
			return []string{r}, nil
		}
		t.missing = append(t.missing, filepath.Clean(p))
		return nil, t.notFound(spec, parent)
	case strings.HasPrefix(spec, "#"):
		return t.resolveImports(spec, parent, cjs)
	}
	return t.resolvePackage(spec, parent, cjs)
}

func (t *tracer) notFound(spec, parent string) error {
	return &resolver.NotFoundError{Specifier: spec, From: filepath.Dir(parent)}
}

func (t *tracer) resolveFileOrDir(p, parent string) string {
	if r := t.resolveFile(p); r != "" {
		return r
	}
	return t.resolveDir(p, parent)
}

// resolveFile tries p, then (for the site's own files) p.ts and p.tsx,
// then p.js, p.json and p.node.
func (t *tracer) resolveFile(p string) string {
	if strings.HasSuffix(p, "/") {
		return ""
	}
	r := t.env.Resolver
	if r.IsFile(p) {
		return p
	}
	if t.inBase(p) && !strings.Contains(p, "/node_modules/") {
		for _, ext := range []string{".ts", ".tsx"} {
			if r.IsFile(p + ext) {
				return p + ext
			}
		}
	}
	for _, ext := range []string{".js", ".json", ".node"} {
		if r.IsFile(p + ext) {
			return p + ext
		}
	}
	return ""
}

// resolveDir loads a directory: its package.json main (shipping that
// package.json), else index.
func (t *tracer) resolveDir(p, parent string) string {
	p = strings.TrimSuffix(p, "/")
	if !t.env.Resolver.IsDir(p) {
		return ""
	}
	if j := t.pkgJSON(p); j != nil && j.Main != "" {
		main := filepath.Join(p, j.Main)
		r := t.resolveFile(main)
		if r == "" {
			r = t.resolveFile(filepath.Join(main, "index"))
		}
		if r != "" {
			t.emitFile(filepath.Join(p, "package.json"), parent)
			return r
		}
	}
	return t.resolveFile(filepath.Join(p, "index"))
}

func (t *tracer) pkgJSON(dir string) *resolver.PackageJSON {
	j, err := t.env.Resolver.PackageJSON(dir)
	if err != nil {
		return nil
	}
	return j
}

// resolvePackage looks the package up in each node_modules above the
// importer, after a self-reference through the importer's own package.
func (t *tracer) resolvePackage(spec, parent string, cjs bool) ([]string, error) {
	name, _ := resolver.SplitPackage(spec)
	if name == "" {
		return nil, t.notFound(spec, parent)
	}
	sub := "." + strings.TrimPrefix(spec, name)
	var self []string
	if b := t.pjsonBoundary(parent); b != "" {
		if j := t.pkgJSON(b); j != nil && j.Name == name && j.Exports != nil && j.Exports.Kind != resolver.Null {
			var err error
			self, err = t.exportsImports(b, j.Exports, sub, false, cjs)
			if err != nil {
				return nil, err
			}
			if self != nil {
				t.emitFile(filepath.Join(b, "package.json"), parent)
			}
		}
	}
	dir := parent
	for {
		i := strings.LastIndex(dir, "/")
		if i <= 0 {
			break
		}
		dir = dir[:i]
		nm := dir + "/node_modules"
		if !t.env.Resolver.IsDir(nm) {
			continue
		}
		pkgDir := filepath.Join(nm, name)
		j := t.pkgJSON(pkgDir)
		if j != nil && j.Exports != nil && j.Exports.Kind != resolver.Null && self == nil {
			legacy := t.resolveFileOrDir(filepath.Join(nm, spec), parent)
			resolved, err := t.exportsImports(pkgDir, j.Exports, sub, false, cjs)
			if err != nil {
				return nil, err
			}
			if resolved != nil {
				t.emitFile(filepath.Join(pkgDir, "package.json"), parent)
				if legacy != "" && !slices.Contains(resolved, legacy) {
					resolved = append(resolved, legacy)
				}
				return resolved, nil
			}
			if legacy != "" {
				return []string{legacy}, nil
			}
			continue
		}
		if r := t.resolveFileOrDir(filepath.Join(nm, spec), parent); r != "" {
			if len(self) > 0 && !slices.Contains(self, r) {
				return append([]string{r}, self...), nil
			}
			if len(self) > 0 {
				return self, nil
			}
			return []string{r}, nil
		}
	}
	if self != nil {
		return self, nil
	}
	return nil, t.notFound(spec, parent)
}

// resolveImports resolves a `#name` through the importer's package
// imports map.
func (t *tracer) resolveImports(spec, parent string, cjs bool) ([]string, error) {
	if spec != "#" && !strings.HasPrefix(spec, "#/") {
		if b := t.pjsonBoundary(parent); b != "" {
			if j := t.pkgJSON(b); j != nil && j.Imports != nil && j.Imports.Kind != resolver.Null {
				r, err := t.exportsImports(b, j.Imports, spec, true, cjs)
				if err != nil {
					return nil, err
				}
				if len(r) == 1 && !filepath.IsAbs(r[0]) {
					// "#dep": "some-package" maps to another package.
					t.emitFile(filepath.Join(b, "package.json"), parent)
					return t.resolvePackage(r[0], parent, cjs)
				}
				if r != nil {
					t.emitFile(filepath.Join(b, "package.json"), parent)
					return r, nil
				}
			}
		}
	}
	return nil, t.notFound(spec, parent)
}

// exportsImports matches a subpath against an exports or imports map with
// the resolver's matcher, answering every target some runtime could load
// (module-sync from Node.js 22 with its require/default fallback, folder
// mappings), as @vercel/nft does. A target that does not exist is an
// error, as in Node.js. An imports target naming a package is returned
// as it is, for the caller to resolve.
func (t *tracer) exportsImports(pkgDir string, v *resolver.Value, sub string, imports, cjs bool) ([]string, error) {
	c := resolver.Conditions{Mode: resolver.Import, ModuleSync: t.moduleSync(), AllTargets: true}
	if cjs {
		c.Mode = resolver.Require
	}
	m, ok := resolver.MatchSubpath(pkgDir, v, sub, c, imports, t.env.Resolver.IsFile)
	if !ok || m.Excluded {
		return nil, nil
	}
	if imports && !filepath.IsAbs(m.Targets[0]) {
		return m.Targets[:1], nil
	}
	return t.validate(m.Targets, cjs, pkgDir)
}

// moduleSync reports whether the target runtime loads "module-sync"
// exports (Node.js 22 and later). The reference decides by the Node.js
// running the build; zisi by the function's runtime.
func (t *tracer) moduleSync() bool { return t.nodeMajor >= 22 }

// validate checks exports targets exist: CommonJS importers get Node's
// file and directory lookup, ESM ones need the exact file.
func (t *tracer) validate(paths []string, cjs bool, pkgDir string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		p = filepath.Clean(p)
		if cjs {
			r := t.resolveFileOrDir(p, pkgDir)
			if r == "" {
				return nil, &resolver.NotFoundError{Specifier: p, From: pkgDir}
			}
			out = append(out, r)
			continue
		}
		if !t.env.Resolver.IsFile(p) {
			return nil, &resolver.NotFoundError{Specifier: p, From: pkgDir}
		}
		out = append(out, p)
	}
	return out, nil
}
