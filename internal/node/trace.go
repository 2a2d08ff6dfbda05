package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/resolver"
)

// trace is the file-tracing bundler, what the reference runs through
// @vercel/nft (reported as "nft"). It ships exactly the files a function
// reaches: for a v2 function, its main file compiled by esbuild with
// local imports inlined and packages left external (<stem>.mjs or
// <stem>.cjs), then every package file reached through static imports,
// requires and literal dynamic imports, plus the package.json files Node.js
// reads to load them. A v1 function's files are traced as they are; ESM
// ones are compiled to CommonJS one by one (the reference's behaviour for
// ESM .js functions) and TypeScript ones to JavaScript.
func trace(ctx context.Context, in Input) (*Bundle, error) {
	fn, env, cfg := in.Function, in.Env, in.Config
	hint := env.shipHint()
	t := &tracer{
		ctx: ctx, env: env, target: bundlerTarget(cfg.NodeVersion), nodeMajor: config.NodeMajorOrDefault(cfg.NodeVersion),
		files: make(map[string]bool, hint), processed: make(map[string]bool, hint), parents: make(map[string][]string, hint),
		emitted: make(map[string]emitAnswer, hint),
		esm:     map[string]bool{}, generated: map[string][]byte{}, aliases: map[string]string{},
		sel: newSelector(hint),
	}
	t.base = traceBase(env, fn)
	t.fallback = env.fallbackModules(fn.SrcDir)
	if !t.inBase(fn.MainFile) {
		return nil, fmt.Errorf("%w: main file %q is outside the repository root %q, so nothing of it could ship; build from the site (its netlify.toml) or set the repository root (--repository-root) or base path to a folder holding it", ErrOutsideBase, fn.MainFile, t.base)
	}
	b := &Bundle{ModuleFormat: "cjs"}
	ext := filepath.Ext(fn.MainFile)
	isTS := source.IsTypeScript(ext)
	switch {
	case in.APIVersion() == 2:
		format := v2Format(env, fn.MainFile, t.base)
		newExt := ".cjs"
		if format == api.FormatESModule {
			newExt, b.ModuleFormat = ".mjs", "esm"
		}
		newMain := strings.TrimSuffix(fn.MainFile, ext) + newExt
		out, err := t.compileMain(fn.MainFile, format, cfg)
		if err != nil {
			return nil, err
		}
		t.mainOut = out
		t.aliases[fn.MainFile] = newMain
		t.sel.file(newMain, WhyMain, "", "")
		for _, f := range out.inputs {
			if f != fn.MainFile {
				t.sel.omit(f, WhyBundled, fn.MainFile, "")
			}
		}
		t.generated[newMain] = out.code
		b.MainFile = newMain
		b.Inputs = out.inputs
	case isTS:
		t.transpileTS = true
		if v2Format(env, fn.MainFile, t.base) == api.FormatESModule {
			t.tsFormat = api.FormatESModule
		} else {
			t.tsFormat = api.FormatCommonJS
		}
		b.MainFile = strings.TrimSuffix(fn.MainFile, ext) + ".js"
	default:
		b.MainFile = fn.MainFile
	}
	t.emitDependency(fn.MainFile, "", true)
	if err := t.drain(); err != nil {
		return nil, err
	}
	if t.transpileTS && t.tsFormat == api.FormatESModule {
		b.ModuleFormat = "esm"
	}
	if in.APIVersion() == 1 && !isTS {
		format, transpile, err := v1TraceFormat(in, t.esm[fn.MainFile])
		if err != nil {
			return nil, err
		}
		b.ModuleFormat = format
		if transpile {
			if err := t.transpileESM(cfg); err != nil {
				return nil, err
			}
		}
	}
	traced := make([]string, 0, len(t.files))
	for f := range t.files {
		traced = append(traced, f)
	}
	slices.Sort(traced)
	for _, f := range traced {
		if a, ok := t.aliases[f]; ok {
			b.SrcFiles = append(b.SrcFiles, a)
			continue
		}
		b.SrcFiles = append(b.SrcFiles, f)
	}
	if in.Flags.TraceWithNft && cfg.NodeBundler == "" && in.APIVersion() == 1 && fn.Kind == discover.KindDir {
		// As the zisi bundler it stands in for, every file of a directory
		// function ships (the reference adds them as included files).
		side, err := TreeFiles(ctx, env.Resolver, fn.SrcDir)
		if err != nil {
			return nil, err
		}
		for _, f := range side {
			b.IncludedFiles = append(b.IncludedFiles, f)
			if !t.files[f] {
				t.sel.file(f, WhyFolder, "", "")
				b.SrcFiles = append(b.SrcFiles, f)
			}
		}
	}
	slices.Sort(b.SrcFiles)
	b.SrcFiles = slices.Compact(b.SrcFiles)
	b.Generated = t.generated
	b.Inputs = uniq(append(traced, b.Inputs...))
	slices.Sort(b.Inputs)
	b.GlobRoots = uniq(t.globRoots)
	b.Missing = uniq(t.missing)
	b.Warnings = t.warnings
	b.sel = t.sel
	env.noteShipped(len(t.files))
	return b, nil
}

// traceBase is the folder a trace of fn ships from. It mirrors the
// reference's nodeFileTrace({base: repositoryRoot}): in a monorepo,
// packages hoisted to the workspace's node_modules ship.
func traceBase(env *Env, fn discover.Function) string {
	base := env.repositoryRoot()
	if base == "" {
		if site, err := env.Resolver.NearestPackageJSON(fn.SrcDir); err == nil && site != nil {
			base = site.Dir
		} else {
			base = fn.SrcDir
		}
	}
	base = filepath.Clean(base)
	if home := pluginsHome(fn.SrcDir); home != "" && within(filepath.Dir(home), base) {
		// A function a build plugin installed is rooted at .netlify/plugins
		// (see place), so everything there can be traced even when the
		// nearest package.json is the plugin's own.
		base = filepath.Dir(home)
	}
	return base
}

// v2Format is the module format a v2 (or TypeScript) main file compiles
// to: .mjs/.mts are ESM, .cts is CommonJS, otherwise the nearest
// package.json's "type" (searched up to base) decides.
func v2Format(env *Env, mainFile, base string) api.Format {
	switch filepath.Ext(mainFile) {
	case ".mjs", ".mts":
		return api.FormatESModule
	case ".cts":
		return api.FormatCommonJS
	}
	for d := filepath.Dir(mainFile); ; d = filepath.Dir(d) {
		if j, err := env.Resolver.PackageJSON(d); err == nil && j != nil {
			if j.Type == "module" {
				return api.FormatESModule
			}
			return api.FormatCommonJS
		}
		if d == base || filepath.Dir(d) == d {
			return api.FormatCommonJS
		}
	}
}

type tracer struct {
	ctx  context.Context
	env  *Env
	base string
	// fallback is the plugins module folder bare specifiers are retried
	// from ("" when none applies).
	fallback  string
	target    int
	nodeMajor int

	// mainOut is the compiled v2 main file, analysed instead of the file.
	mainOut     *compiled
	transpileTS bool
	tsFormat    api.Format

	files     map[string]bool
	processed map[string]bool
	// parents maps a traced file to the files that led to it (a file
	// may be listed more than once).
	parents   map[string][]string
	esm       map[string]bool
	generated map[string][]byte
	aliases   map[string]string
	warnings  []Message
	queue     []pending
	sel       *selector
	// globRoots are the folders glob-style requires searched; missing
	// the files relative imports named that were not there.
	globRoots, missing []string
	// recording, while a resolution runs, collects what it ships.
	recording *resolution
	// emitted is what emitFile answered, by the path it was given: a
	// trace asks for most files about three times (a package's
	// package.json for each of its files, a file for each importer).
	emitted map[string]emitAnswer
	// fx, while a package file is analysed, collects what the analysis
	// does, for the functions after this one (see fileEffects).
	fx *fileEffects
}

type emitAnswer struct {
	real string
	ok   bool
}

// compiled is a main file bundled with its packages left external.
type compiled struct {
	code    []byte
	esm     bool
	imports []Import
	inputs  []string
}

// compileMain bundles a v2 main file's local code into one file, leaving
// packages external, as the reference's nft transformer does.
func (t *tracer) compileMain(mainFile string, format api.Format, cfg config.FunctionConfig) (*compiled, error) {
	out, err := t.env.compiledMain(t.ctx, newMainKey(mainFile, format, cfg))
	if err != nil {
		return nil, err
	}
	t.warnings = append(t.warnings, out.warnings...)
	// out may be a batch's, shared with a later build of the function:
	// what the trace goes on to change is its own copy.
	c := &compiled{esm: format == api.FormatESModule, inputs: slices.Clone(out.inputs), imports: slices.Clone(out.externals)}
	t.globRoots = append(t.globRoots, out.globRoots...)
	for _, f := range out.files {
		if !strings.HasSuffix(f.path, ".map") {
			c.code = f.contents
		}
	}
	return c, nil
}

// emitFile records a file to ship, unless it lies outside the base
// directory or is the runtime's own AWS SDK. Symbolic links on the way
// that lie inside the base are shipped too, so the archive recreates them.
func (t *tracer) emitFile(p string, parent string) (string, bool) {
	if t.recording != nil {
		t.recording.record(p, parent)
	}
	if t.fx != nil {
		t.fx.ops = append(t.fx.ops, effect{kind: effectEmit, path: p, parent: parent})
	}
	if a, seen := t.emitted[p]; seen {
		// Recorded, selected and its links shipped the first time.
		if a.ok && parent != "" {
			t.parents[a.real] = append(t.parents[a.real], parent)
		}
		return a.real, a.ok
	}
	real, ok := t.emitNew(p, parent)
	t.emitted[p] = emitAnswer{real, ok}
	return real, ok
}

// emitNew is emitFile for a path given for the first time.
func (t *tracer) emitNew(p, parent string) (string, bool) {
	real, err := t.env.Resolver.Realpath(p)
	if err != nil {
		real = p
	}
	switch rel, in := t.baseRel(real); {
	case !in:
		t.sel.omit(real, WhyOutsideBase, parent, "")
		return real, false
	case t.runtimeSDK(rel):
		t.sel.omit(real, WhyRuntimeSDK, parent, "")
		return real, false
	}
	if parent == "" {
		t.sel.file(real, WhyMain, "", "")
	} else {
		t.sel.file(real, WhyTraced, parent, "")
	}
	for _, l := range t.env.Resolver.Symlinks(p) {
		if t.inBase(l) {
			t.files[l] = true
		}
	}
	t.files[real] = true
	if parent != "" {
		t.parents[real] = append(t.parents[real], parent)
	}
	return real, true
}

func (t *tracer) inBase(p string) bool {
	_, in := t.baseRel(p)
	return in
}

// baseRel is p relative to the base, slash-separated, and whether p lies
// in the base (the relative path means nothing when it does not).
func (t *tracer) baseRel(p string) (string, bool) {
	if r, ok := below(t.base, p); ok {
		return r, true
	}
	if isClean(p) {
		return "", false // t.base is clean too
	}
	r, err := filepath.Rel(t.base, p)
	r = filepath.ToSlash(r)
	return r, err == nil && r != ".." && !strings.HasPrefix(r, "../")
}

// ignored leaves out the AWS SDK the Lambda runtime provides (v3 from
// Node.js 18, v2 before), in the site's top-level node_modules as the
// reference does.
func (t *tracer) ignored(p string) bool {
	rel, in := t.baseRel(p)
	return in && t.runtimeSDK(rel)
}

// runtimeSDK reports whether rel, a path relative to the base, lies in
// the runtime's AWS SDK in the top-level node_modules.
func (t *tracer) runtimeSDK(rel string) bool {
	rest, ok := strings.CutPrefix(rel, "node_modules/")
	if !ok {
		return false
	}
	name, _ := resolver.SplitPackage(rest)
	return isRuntimeSDK(name, t.nodeMajor)
}

// pending is a file to ship and follow.
type pending struct {
	path, parent string
	// user is set for the site's own files (not in node_modules), whose
	// problems are reported.
	user bool
}

// emitDependency queues a file to ship and follow; trace drains the
// queue level by level.
func (t *tracer) emitDependency(p, parent string, user bool) {
	if t.fx != nil {
		t.fx.ops = append(t.fx.ops, effect{kind: effectDependency, path: p, parent: parent, user: user})
	}
	t.queue = append(t.queue, pending{p, parent, user})
}

// drain ships and follows queued files breadth first: each level's files
// are parsed together in as few esbuild runs as possible.
func (t *tracer) drain() error {
	for len(t.queue) > 0 {
		if err := t.ctx.Err(); err != nil {
			return err
		}
		level := t.queue
		t.queue = nil
		type item struct {
			real string
			pending
			// fx is what analysing the file did in an earlier function,
			// replayed instead of analysing it again.
			fx *fileEffects
		}
		var items []item
		var toScan []string
		for _, p := range level {
			real, ok := t.emitFile(p.path, p.parent)
			if t.processed[real] || !ok {
				continue
			}
			t.processed[real] = true
			ext := filepath.Ext(real)
			if ext == ".json" || ext == ".node" {
				continue
			}
			if ext == ".js" || ext == ".ts" {
				if b := t.pjsonBoundary(real); b != "" {
					t.emitFile(filepath.Join(b, "package.json"), real)
				}
			}
			isMain := t.mainOut != nil && p.parent == ""
			if !isMain && !scannable(real) {
				continue
			}
			if !isMain && !p.user {
				if fx, ok := t.env.analyses.Load(t.analysisKey(real)); ok {
					items = append(items, item{real, p, fx})
					continue
				}
			}
			items = append(items, item{real, p, nil})
			if !isMain {
				toScan = append(toScan, real)
			}
		}
		scans, err := t.env.Scanner.scanAll(t.ctx, toScan)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.fx != nil {
				t.replayEffects(it.real, it.fx)
				continue
			}
			if err := t.analyseOnce(it.real, it.pending, scans[it.real]); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileEffects is what analysing one file outside the site's own code did
// to a trace, in order: the files it shipped and queued and the picks it
// made, whether it is ESM, and what it added to the glob roots, missing
// files and warnings. Such an analysis depends only on the file (its scan
// and what its imports resolve to, both fixed for the build) and on the
// tracer's settings in analysisKey, so later functions replay it instead
// of resolving every import of every package file again; replaying the
// same calls in the same order leaves a trace as analysing would.
type fileEffects struct {
	ops                []effect
	esm                bool
	globRoots, missing []string
	warnings           []Message
}

type effectKind uint8

const (
	effectEmit       effectKind = iota // emitFile(path, parent)
	effectDependency                   // emitDependency(path, parent, user)
	effectPick                         // sel.file(path, why, parent, spec)
)

type effect struct {
	kind         effectKind
	user         bool
	why          Why
	path, parent string
	spec         string
}

// analysisKey is what a package file's analysis depends on besides the
// file: the base (what counts as the site's own, what is outside), the
// Node.js version (module-sync exports, the runtime's AWS SDK), the
// plugins fallback folder and whether .ts files stand in for .js ones.
type analysisKey struct {
	file, base, fallback string
	nodeMajor            int
	transpileTS          bool
}

func (t *tracer) analysisKey(real string) analysisKey {
	return analysisKey{file: real, base: t.base, fallback: t.fallback, nodeMajor: t.nodeMajor, transpileTS: t.transpileTS}
}

// analyseOnce is analyse, recording what a replayable analysis does for
// the functions after this one. The site's own files are analysed every
// time (their warnings and errors are the function's), and so are files
// analyse compiles.
func (t *tracer) analyseOnce(real string, p pending, sc *scanned) error {
	if p.user || sc == nil || t.compiles(real) {
		return t.analyse(real, p, sc)
	}
	fx := &fileEffects{}
	missing, globRoots, warnings := len(t.missing), len(t.globRoots), len(t.warnings)
	t.fx = fx
	err := t.analyse(real, p, sc)
	t.fx = nil
	if err != nil {
		return err
	}
	fx.esm = t.esm[real]
	fx.missing = slices.Clone(t.missing[missing:])
	fx.globRoots = slices.Clone(t.globRoots[globRoots:])
	fx.warnings = slices.Clone(t.warnings[warnings:])
	t.env.analyses.Store(t.analysisKey(real), fx)
	return nil
}

// replayEffects does to t what analysing real did in an earlier function.
func (t *tracer) replayEffects(real string, fx *fileEffects) {
	if fx.esm {
		t.esm[real] = true
	}
	for _, e := range fx.ops {
		switch e.kind {
		case effectEmit:
			t.emitFile(e.path, e.parent)
		case effectDependency:
			t.emitDependency(e.path, e.parent, e.user)
		case effectPick:
			t.sel.file(e.path, e.why, e.parent, e.spec)
		}
	}
	t.missing = append(t.missing, fx.missing...)
	t.globRoots = append(t.globRoots, fx.globRoots...)
	t.warnings = append(t.warnings, fx.warnings...)
}

// compiles reports whether analysing real compiles it (a TypeScript file
// of the site's own, outside node_modules).
func (t *tracer) compiles(real string) bool {
	return t.transpileTS && isTSFile(real) && t.inBase(real) && !strings.Contains(real, "/node_modules/")
}

// pick is sel.file, recorded while a file's analysis is (fileEffects).
func (t *tracer) pick(path string, why Why, via, spec string) {
	if t.fx != nil {
		t.fx.ops = append(t.fx.ops, effect{kind: effectPick, path: path, why: why, parent: via, spec: spec})
	}
	t.sel.file(path, why, via, spec)
}

// analyse follows what one file imports.
func (t *tracer) analyse(real string, p pending, sc *scanned) error {
	var (
		imports   []Import
		globFiles []string
		esm       bool
	)
	if sc == nil {
		imports, esm = t.mainOut.imports, t.mainOut.esm
	} else {
		if sc.nesting != nil {
			if p.user {
				return sc.nesting
			}
			// As a file that does not parse: shipped, not followed.
			msg := Message{File: real, Text: fmt.Sprintf("nested deeper than %d levels, too deep for esbuild's parser, so this file's imports were not followed", source.MaxNesting)}
			var ne *source.NestingError
			if errors.As(sc.nesting, &ne) {
				msg.Line = ne.Line
			}
			t.warnings = append(t.warnings, msg)
			return nil
		}
		if sc.syntax != nil {
			if p.user {
				return &SourceError{Message: *sc.syntax}
			}
			return nil // the reference skips files it cannot parse
		}
		imports, globFiles, esm = sc.imports, sc.globFiles, sc.esm
		t.globRoots = append(t.globRoots, sc.globRoots...)
		if p.user {
			t.warnings = append(t.warnings, sc.warnings...)
		}
		if t.compiles(real) {
			if err := t.transpile(real, t.tsFormat, strings.TrimSuffix(real, filepath.Ext(real))+".js"); err != nil {
				return err
			}
		}
	}
	if esm {
		t.esm[real] = true
	}
	if sc := specialCases[packageOf(real)]; sc != nil {
		if err := sc(t, real); err != nil {
			return err
		}
	}
	for _, g := range globFiles {
		t.emitDependency(g, real, p.user)
	}
	for _, imp := range imports {
		cjs := !esm
		switch imp.Kind {
		case KindDynamicImport:
			cjs = false
		case KindRequire, KindRequireResolve:
			if esm {
				continue // require in ESM is not Node's require
			}
		}
		if err := t.follow(imp.Specifier, real, cjs, p.user); err != nil {
			return err
		}
	}
	return nil
}

func isTSFile(p string) bool {
	return source.IsTypeScript(filepath.Ext(p))
}

// follow resolves one import and traces what it resolves to.
func (t *tracer) follow(spec, parent string, cjs, user bool) error {
	if resolver.IsBuiltin(spec) {
		return nil
	}
	paths, err := t.resolve(spec, parent, cjs)
	if err != nil && t.transpileTS && strings.HasSuffix(spec, ".js") {
		paths, err = t.resolve(strings.TrimSuffix(spec, ".js")+".ts", parent, cjs)
	}
	if errors.Is(err, resolver.ErrNotFound) && t.fallback != "" && !resolver.IsRelative(spec) && !strings.HasPrefix(spec, "#") {
		// As the reference's nft resolve hook: look the package up again
		// as if the importer sat in the plugins module folder.
		if p, ferr := t.resolve(spec, filepath.Join(t.fallback, filepath.Base(parent)), cjs); ferr == nil {
			paths, err = p, nil
			for _, f := range p {
				t.pick(f, WhyPluginsModules, parent, spec)
			}
		}
	}
	if err != nil {
		if !errors.Is(err, resolver.ErrNotFound) {
			return err
		}
		if user {
			line, col := t.env.locate(parent, spec)
			text := fmt.Sprintf("cannot find module %q; it is not shipped, so loading it will fail at run time unless it is optional", spec)
			if hint := t.env.missingHint(parent, spec); hint != "" {
				text += "; " + hint
			}
			t.warnings = append(t.warnings, Message{File: parent, Line: line, Column: col, Text: text})
		}
		return nil
	}
	for _, p := range paths {
		userFile := user && !strings.Contains(p, "/node_modules/") && t.inBase(p)
		t.emitDependency(p, parent, userFile)
	}
	return nil
}

// pjsonBoundary is the nearest directory above p holding a package.json.
func (t *tracer) pjsonBoundary(p string) string {
	return t.env.packageBoundary(filepath.Dir(p))
}

// transpile compiles one file (without bundling) and ships the result
// under dest instead of the file.
func (t *tracer) transpile(src string, format api.Format, dest string) error {
	data, err := t.env.Resolver.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read %q: %w", src, err)
	}
	loader, ok := source.Loaders[filepath.Ext(src)]
	if !ok {
		loader = api.LoaderJS
	}
	if err := source.CheckNesting(src, data, source.LoaderSyntax(loader)); err != nil {
		return err
	}
	res := api.Transform(string(data), api.TransformOptions{
		Loader:     loader,
		Format:     format,
		Platform:   api.PlatformNode,
		Engines:    []api.Engine{{Name: api.EngineNode, Version: fmt.Sprint(t.target)}},
		Sourcefile: filepath.Base(src),
		LogLevel:   api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		be := &BundleError{}
		for _, m := range res.Errors {
			msg := esbuildMessage(m, filepath.Dir(src))
			msg.File = src
			be.Errors = append(be.Errors, msg)
		}
		return be
	}
	t.generated[dest] = res.Code
	if dest != src {
		t.aliases[src] = dest
	}
	return nil
}

// transpileESM compiles a v1 function's ESM files to CommonJS: every ESM
// file whose importers are all compiled too (starting from the main
// file), and marks the package.json files they rely on "type":
// "commonjs", as the reference does for ESM .js functions.
func (t *tracer) transpileESM(cfg config.FunctionConfig) error {
	memo := map[string]int{} // 0 unknown, 1 in progress/yes, 2 no
	var should func(p string) bool
	should = func(p string) bool {
		switch memo[p] {
		case 1:
			return true
		case 2:
			return false
		}
		var parents []string
		for _, q := range t.parents[p] {
			if q != p {
				parents = append(parents, q)
			}
		}
		if len(parents) == 0 {
			if t.esm[p] {
				memo[p] = 1
				return true
			}
			memo[p] = 2
			return false
		}
		memo[p] = 1
		for _, q := range parents {
			if !should(q) {
				memo[p] = 2
				return false
			}
		}
		return true
	}
	var paths []string
	for p := range t.esm {
		if should(p) {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	set := map[string]bool{}
	for _, p := range paths {
		set[p] = true
		if err := t.transpile(p, api.FormatCommonJS, p); err != nil {
			return err
		}
	}
	for f, parents := range t.parents {
		if filepath.Base(f) != "package.json" {
			continue
		}
		for _, q := range parents {
			if set[q] {
				patched, err := patchPackageType(t.env.Resolver, f)
				if err != nil {
					return err
				}
				t.generated[f] = patched
				break
			}
		}
	}
	return nil
}

// patchPackageType returns a package.json with "type": "commonjs".
func patchPackageType(r *resolver.Resolver, p string) ([]byte, error) {
	data, err := r.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", p, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	m["type"] = json.RawMessage(`"commonjs"`)
	return json.Marshal(m)
}
