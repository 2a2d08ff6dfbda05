package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/resolver"
)

// tsExtensions are tried after Node's when a TypeScript file imports a
// local module without an extension: the zisi bundler ships sources as
// they are, so `import "./util"` in a .ts file means util.ts.
var tsExtensions = append(slices.Clone(resolver.DefaultExtensions), ".ts", ".tsx", ".mts", ".cts")

// walker collects the files one function needs: its local files, found by
// following imports from the main file, and whole packages with their
// dependencies.
type walker struct {
	env       *Env
	fn        discover.Function
	nodeMajor int
	site      *resolver.PackageJSON // closest package.json to the function
	// fallback is the plugins module folder bare specifiers are also
	// looked up in ("" when none applies).
	fallback string

	files    map[string]bool
	links    map[string]bool
	local    map[string]bool
	pkgs     map[string]bool
	native   map[string]map[string]string
	warnings []Message
	notes    []Message
	sel      *selector
	// globRoots are the folders glob-style requires searched.
	globRoots []string
}

// zisi ships the main file, the local files it imports (transitively),
// every file of a directory function, and each imported package whole,
// with its dependencies, peer and optional dependencies (never dev
// dependencies), as the reference's zisi bundler does.
func zisi(ctx context.Context, in Input) (*Bundle, error) {
	fn, env := in.Function, in.Env
	site, err := env.Resolver.NearestPackageJSON(fn.SrcDir)
	if err != nil {
		return nil, err
	}
	w := newWalker(env, fn, in.Config, site)
	w.files[fn.MainFile] = true
	w.sel.file(fn.MainFile, WhyMain, "", "")
	if fn.Kind == discover.KindDir {
		tree, err := TreeFiles(ctx, env.Resolver, fn.SrcDir)
		if err != nil {
			return nil, err
		}
		for _, f := range tree {
			w.files[f] = true
			w.sel.file(f, WhyFolder, "", "")
		}
	}
	if err := w.prefetch(ctx, fn.MainFile); err != nil {
		return nil, err
	}
	if err := w.walkLocal(ctx, fn.MainFile, false); err != nil {
		return nil, err
	}
	b := &Bundle{MainFile: fn.MainFile, ModuleFormat: "cjs", Warnings: w.warnings, Notes: w.notes, sel: w.sel, GlobRoots: w.globRoots}
	for f := range w.files {
		if IsJunk(filepath.Base(f)) {
			w.sel.omit(f, WhyJunk, "", "")
			continue
		}
		b.SrcFiles = append(b.SrcFiles, f)
	}
	for l := range w.links {
		b.SrcFiles = append(b.SrcFiles, l)
	}
	env.noteShipped(len(w.files))
	slices.Sort(b.SrcFiles)
	b.Inputs = slices.Clone(b.SrcFiles)
	if len(w.native) > 0 {
		b.NativeNodeModules = w.native
	}
	return b, nil
}

func newWalker(env *Env, fn discover.Function, cfg config.FunctionConfig, site *resolver.PackageJSON) *walker {
	hint := env.shipHint()
	return &walker{
		env: env, fn: fn, nodeMajor: config.NodeMajorOrDefault(cfg.NodeVersion), site: site, fallback: env.fallbackModules(fn.SrcDir),
		files: make(map[string]bool, hint), links: map[string]bool{}, local: map[string]bool{}, pkgs: map[string]bool{},
		native: map[string]map[string]string{}, sel: newSelector(hint),
	}
}

// walkLocal follows the imports of a local source file. nextPage is set
// below a file imported as renderNextPage (see followImport). Each file
// is walked once, whichever way it is reached first, as in the reference.
func (w *walker) walkLocal(ctx context.Context, file string, nextPage bool) error {
	if w.local[file] {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.local[file] = true
	w.files[file] = true
	if !scannable(file) {
		return nil
	}
	sc, err := w.env.Scanner.scan(ctx, file)
	if err != nil {
		return err
	}
	if sc.nesting != nil {
		return sc.nesting
	}
	if sc.syntax != nil {
		switch filepath.Ext(file) {
		case ".js", ".jsx":
			if file == w.fn.MainFile {
				// The function could never load: fail the build rather
				// than ship it (the reference ships it).
				return &SourceError{Message: *sc.syntax}
			}
			// The reference silently ignores these; say so instead.
			msg := *sc.syntax
			msg.Text = "syntax error, so this file's imports were not followed: " + msg.Text
			w.warnings = append(w.warnings, msg)
			return nil
		}
		return &SourceError{Message: *sc.syntax}
	}
	w.warnings = append(w.warnings, sc.warnings...)
	w.globRoots = append(w.globRoots, sc.globRoots...)
	for _, g := range sc.globFiles {
		w.sel.file(g, WhyGlob, file, "")
		if err := w.walkLocal(ctx, g, nextPage); err != nil {
			return err
		}
	}
	for _, imp := range sc.imports {
		if err := w.followImport(ctx, file, imp, nextPage); err != nil {
			return err
		}
	}
	return nil
}

// prefetch parses, level by level, the local files walkLocal will reach
// through relative imports and glob-style requires, many per esbuild run
// (walkLocal asks for one file at a time, and a run costs about a
// millisecond whatever its size: a function of 20000 local files took 17
// s). It only fills the scanner's cache; walkLocal decides.
func (w *walker) prefetch(ctx context.Context, main string) error {
	seen := map[string]bool{main: true}
	level := []string{main}
	for len(level) > 0 {
		scans, err := w.env.Scanner.scanAll(ctx, level)
		if err != nil {
			return err
		}
		var next []string
		add := func(p string) {
			if !seen[p] && scannable(p) {
				seen[p] = true
				next = append(next, p)
			}
		}
		for _, file := range level {
			sc := scans[file]
			if sc.syntax != nil || sc.nesting != nil {
				continue
			}
			for _, g := range sc.globFiles {
				add(g)
			}
			for _, imp := range sc.imports {
				if !resolver.IsRelative(imp.Specifier) {
					continue
				}
				mode := resolver.Require
				if imp.Kind == KindImport || imp.Kind == KindDynamicImport {
					mode = resolver.Import
				}
				if res, err := w.resolverFor(file).Resolve(imp.Specifier, filepath.Dir(file), mode); err == nil && res.Package == nil && res.Path != "" {
					add(res.Path)
				}
			}
		}
		slices.Sort(next)
		level = next
	}
	return nil
}

func (w *walker) resolverFor(file string) *resolver.Resolver {
	if source.IsTypeScript(filepath.Ext(file)) {
		return w.env.Resolver.WithExtensions(tsExtensions)
	}
	return w.env.Resolver
}

// followImport ships what one import of file loads. Local files are
// followed; packages ship whole. The exception mirrors the reference's
// tree shaking for next-on-netlify: below a specifier whose base name is
// renderNextPage (./renderNextPage, ../x/renderNextPage.js), `next/...`
// imports are followed file by file instead of shipping all of Next.js.
func (w *walker) followImport(ctx context.Context, file string, imp Import, nextPage bool) error {
	spec := imp.Specifier
	if resolver.IsBuiltin(spec) {
		return nil
	}
	nextPage = nextPage || isRenderNextPage(spec)
	dir := filepath.Dir(file)
	mode := resolver.Require
	if imp.Kind == KindImport || imp.Kind == KindDynamicImport {
		mode = resolver.Import
	}
	name, _ := resolver.SplitPackage(spec)
	local := resolver.IsRelative(spec) || strings.HasPrefix(spec, "#") || (w.site != nil && name != "" && name == w.site.Name && w.site.Exports != nil)
	if local {
		res, err := w.resolverFor(file).Resolve(spec, dir, mode)
		if err != nil && !errors.Is(err, resolver.ErrNotFound) {
			return err
		}
		if err != nil {
			line, _ := w.env.locate(file, spec)
			return &MissingModuleError{Module: spec, Importer: file, Line: line,
				Fix: "check the path, or list the file in included_files in netlify.toml if it is created at run time"}
		}
		if res.Package != nil && res.Package.Dir != w.siteDir() {
			w.sel.pkg(res.Package.Dir, packageID(res.Package), WhyImported, file, spec)
			return w.addPackage(ctx, res.Package, nil)
		}
		w.sel.file(res.Path, WhyImported, file, spec)
		return w.walkLocal(ctx, res.Path, nextPage)
	}
	if name == "" {
		return nil // `require("@scope")`
	}
	if nextPage && name == "next" {
		return w.followNextFile(ctx, file, spec, mode)
	}
	if why := w.excludedWhy(name); why != "" {
		w.sel.omit(name, why, file, spec)
		return nil // runtime-provided packages and types
	}
	pkg, plugins, err := w.findPackage(name, dir)
	if err != nil && !errors.Is(err, resolver.ErrNotFound) {
		return err
	}
	if err != nil && strings.HasPrefix(spec, ".") {
		// A dot-named folder without a package.json (a generated
		// .prisma/client, say) is no package to ship whole: Node.js still
		// loads its files, so ship the file it loads and follow it, as the
		// reference does with such specifiers.
		if res, rerr := w.resolverFor(file).Resolve(spec, dir, mode); rerr == nil && res.Path != "" {
			w.sel.file(res.Path, WhyImported, file, spec)
			return w.walkLocal(ctx, res.Path, nextPage)
		}
	}
	if err != nil {
		if resolver.IsOptional(w.site, name) {
			w.sel.omit(name, WhyMissingOptional, file, spec)
			return nil
		}
		line, _ := w.env.locate(file, spec)
		return &MissingModuleError{Module: name, Importer: file, Line: line, Fix: installFix(w.site, name)}
	}
	w.checkDevDependency(name, file, spec)
	why := WhyImported
	if plugins {
		why = WhyPluginsModules
	}
	w.sel.pkg(pkg.Dir, packageID(pkg), why, file, spec)
	return w.addPackage(ctx, pkg, w.env.Resolver.Symlinks(pkg.Link))
}

// findPackage finds a package as Node.js would from dir, then in the
// plugins module folder (plugins reports that), as the reference's
// resolvePackage tries [basedir, pluginsModulesPath].
func (w *walker) findPackage(name, dir string) (pkg *resolver.Package, plugins bool, err error) {
	pkg, err = w.env.Resolver.FindPackage(name, dir)
	if errors.Is(err, resolver.ErrNotFound) && w.fallback != "" {
		if p, ferr := w.env.Resolver.FindPackage(name, w.fallback); ferr == nil || !errors.Is(ferr, resolver.ErrNotFound) {
			return p, ferr == nil, ferr
		}
	}
	return pkg, false, err
}

func (w *walker) siteDir() string {
	if w.site == nil {
		return ""
	}
	return w.site.Dir
}

func (w *walker) sitePackagePath() string {
	if w.site == nil {
		return "a package.json next to your functions"
	}
	return w.site.Path
}

// excluded: type packages are never shipped, and the AWS SDK the runtime
// provides (v3 from Node.js 18, v2 before) is left out.
// excludedWhy says why a package never ships, or "" when it may.
func (w *walker) excludedWhy(name string) Why {
	switch {
	case strings.HasPrefix(name, "@types/"):
		return WhyTypes
	case isRuntimeSDK(name, w.nodeMajor):
		return WhyRuntimeSDK
	}
	return ""
}

// packageID names a package as name@version.
func packageID(p *resolver.Package) string {
	if p.JSON != nil && p.JSON.Version != "" {
		return p.Name + "@" + p.JSON.Version
	}
	return p.Name
}

// checkDevDependency notes when a function imports a package the site
// lists only as a devDependency: it is shipped (as the reference does).
// A note, not a warning: Netlify installs devDependencies by default, so
// the function works, and on real sites the warning was noise.
func (w *walker) checkDevDependency(name, file, spec string) {
	s := w.site
	if s == nil {
		return
	}
	if _, dev := s.DevDependencies[name]; !dev {
		return
	}
	for _, m := range []map[string]string{s.Dependencies, s.OptionalDependencies, s.PeerDependencies} {
		if _, ok := m[name]; ok {
			return
		}
	}
	line, col := w.env.locate(file, spec)
	w.notes = append(w.notes, Message{File: file, Line: line, Column: col,
		Text: fmt.Sprintf("%q is listed only in devDependencies of %s; it is shipped because this file imports it (an install without dev dependencies would leave it out)", name, s.Path)})
}

// addPackage ships a package and, recursively, what it depends on.
func (w *walker) addPackage(ctx context.Context, pkg *resolver.Package, links []string) error {
	for _, l := range links {
		w.links[l] = true
	}
	if w.pkgs[pkg.Dir] {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.pkgs[pkg.Dir] = true
	n := w.env.Packages.Node(ctx, pkg)
	if n.Err != nil {
		return n.Err
	}
	id := packageID(pkg)
	for _, f := range n.Files {
		w.files[f] = true
		w.sel.packageFile(f, pkg.Dir, id)
	}
	if n.Native {
		if w.native[pkg.Name] == nil {
			w.native[pkg.Name] = map[string]string{}
		}
		w.native[pkg.Name][pkg.Dir] = n.Version
	}
	for _, d := range n.Deps {
		if why := w.excludedWhy(d.Name); why != "" {
			w.sel.omit(d.Name, why, pkg.Dir, "")
			continue
		}
		dep, links, why := d.Pkg, d.Links, WhyDependency
		if dep == nil && w.fallback != "" {
			p, err := w.env.Resolver.FindPackage(d.Name, w.fallback)
			if err != nil && !errors.Is(err, resolver.ErrNotFound) {
				return err
			}
			if p != nil {
				dep, links, why = p, w.env.Resolver.Symlinks(p.Link), WhyPluginsModules
			}
		}
		if dep == nil {
			if d.Optional {
				w.sel.omit(d.Name, WhyMissingOptional, pkg.Dir, "")
				continue
			}
			return &MissingModuleError{Module: d.Name, Importer: pkg.Dir, Package: fmt.Sprintf("%s@%s", pkg.Name, n.Version),
				Fix: fmt.Sprintf("it is listed in that package's dependencies but is not installed; run npm install (or your package manager's install) in %s", w.siteDirOr(pkg.Dir))}
		}
		w.sel.pkg(dep.Dir, packageID(dep), why, pkg.Dir, "")
		if err := w.addPackage(ctx, dep, links); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) siteDirOr(fallback string) string {
	if d := w.siteDir(); d != "" {
		return d
	}
	return fallback
}
