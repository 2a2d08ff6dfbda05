package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/resolver"
)

// ErrBundle classifies esbuild build failures.
var ErrBundle = errors.New("bundling failed")

// BundleError is esbuild's failure, each error with its location and
// notes.
type BundleError struct {
	Function string
	Errors   []Message
}

func (e *BundleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build failed with %d error(s):", len(e.Errors))
	for _, m := range e.Errors {
		b.WriteString("\n  " + m.String())
		for _, n := range m.Notes {
			b.WriteString("\n    note: " + n.String())
		}
	}
	return b.String()
}

// Is makes BundleError match ErrBundle.
func (e *BundleError) Is(target error) bool { return target == ErrBundle }

// resolveExtensions are the extensions esbuild tries for extensionless
// imports, in the reference's order.
var resolveExtensions = []string{".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json"}

// cjsShim makes require, __filename and __dirname work in ESM output
// (the reference's banner, byte for byte, so the shipped code matches).
const cjsShim = `
import {createRequire as ___nfyCreateRequire} from "module";
import {fileURLToPath as ___nfyFileURLToPath} from "url";
import {dirname as ___nfyPathDirname} from "path";
let __filename=___nfyFileURLToPath(import.meta.url);
let __dirname=___nfyPathDirname(___nfyFileURLToPath(import.meta.url));
let require=___nfyCreateRequire(import.meta.url);
`

// globHelper is esbuild's lookup for `require(\`./x/${y}\`)`; the patched
// version also tries the extensions and index files Node.js would
// (esbuild issue 3328), as the reference does.
const (
	globHelper = `var __glob = (map) => (path) => {
  var fn = map[path];
  if (fn) return fn();
  throw new Error("Module not found in bundle: " + path);
};`
	globHelperPatched = `var __glob = (map) => (path) => {
  var fn = map[path] || map[path + '.js'] || map[path + '.json'] || map[path + '/index.js'] || map[path + '/index.json'];
  if (fn)
    return fn();
  throw new Error("Module not found in bundle: " + path);
};`
)

// bundlerTarget is the Node.js major esbuild compiles for: the configured
// one when esbuild knows the reference's list, else the default.
func bundlerTarget(version string) int {
	switch major, _ := config.NodeMajor(version); major {
	case 14, 16, 18, 20, 22, 24:
		return major
	}
	return config.DefaultNodeMajor
}

// awsExternal is the esbuild external pattern for the runtime's AWS SDK.
func awsExternal(nodeMajor int) string {
	if nodeMajor >= 18 {
		return awsSDKScope + "*"
	}
	return awsSDKv2
}

// The AWS SDK the Lambda runtime provides, so no bundler ships it: v3
// (the @aws-sdk scope) from Node.js 18, v2 (aws-sdk) before. One rule for
// the three bundlers.
const (
	awsSDKScope = "@aws-sdk/"
	awsSDKv2    = "aws-sdk"
)

// isRuntimeSDK reports whether package name is the runtime's AWS SDK.
func isRuntimeSDK(name string, nodeMajor int) bool {
	if nodeMajor >= 18 {
		return strings.HasPrefix(name, awsSDKScope)
	}
	return name == awsSDKv2
}

// esbuildPlan is one function's esbuild build: its options (without the
// plugin and entry point) and the packages to ship beside the bundle.
type esbuildPlan struct {
	in      Input
	site    *resolver.PackageJSON
	opts    api.BuildOptions
	shipped []string
	// format is the output's module format and ext its extension; scope,
	// when set, is the "type": "module" package.json an ESM output needs
	// beside it.
	format, ext, scope string
	// key groups functions whose builds can share one esbuild run.
	key string
}

func planEsbuild(in Input) (*esbuildPlan, error) {
	fn, env, cfg := in.Function, in.Env, in.Config
	target := bundlerTarget(cfg.NodeVersion)
	site, err := env.Resolver.NearestPackageJSON(fn.SrcDir)
	if err != nil {
		return nil, err
	}
	external := slices.Clone(cfg.ExternalNodeModules)
	external = append(external, "@prisma/client")
	if dependsOnNext(site) {
		external = append(external, "critters", "nanoid")
	}
	external = uniq(external)
	shipped := slices.Clone(external)
	external = append(external, cfg.IgnoredNodeModules...)
	external = append(external, awsExternal(target))
	excl, err := exclusionExternals(cfg.IncludedFiles, fn.SrcDir)
	if err != nil {
		return nil, err
	}
	external = uniq(append(external, excl...))
	// Paths in the bundle's comments are relative to the working
	// directory; the site's base keeps them the same however functions
	// are grouped into esbuild runs.
	wd := env.BasePath
	if wd == "" {
		wd = fn.SrcDir
	}
	format, scope := esbuildFormat(in)
	ext := outputExtension(format, in.Flags)
	opts := api.BuildOptions{
		AbsWorkingDir:     wd,
		Bundle:            true,
		Write:             false,
		Metafile:          true,
		Platform:          api.PlatformNode,
		Format:            apiFormat(format),
		Engines:           []api.Engine{{Name: api.EngineNode, Version: fmt.Sprint(target)}},
		External:          external,
		ResolveExtensions: resolveExtensions,
		LogLevel:          api.LogLevelSilent,
	}
	if format == formatESM {
		opts.Banner = map[string]string{"js": cjsShim}
	}
	if ext != ".js" {
		opts.OutExtension = map[string]string{".js": ext}
	}
	if cfg.NodeSourcemap != nil && *cfg.NodeSourcemap {
		opts.Sourcemap = api.SourceMapLinked
	}
	// The plugins module folder is where packages are looked up last, as
	// the reference's nodePaths: [pluginsModulesPath].
	fallback := env.fallbackModules(fn.SrcDir)
	if fallback != "" {
		opts.NodePaths = []string{fallback}
	}
	sorted := slices.Clone(external)
	slices.Sort(sorted)
	key := fmt.Sprintf("%s|%d|%q|%d|%s|%s|%s%s", wd, target, sorted, opts.Sourcemap, filepath.Dir(fn.SrcDir), fallback, format, ext)
	// Excluded-file patterns are relative to the function: keep those
	// functions on their own.
	if len(excl) > 0 {
		key += "|" + fn.MainFile
	}
	return &esbuildPlan{in: in, site: site, opts: opts, shipped: shipped, format: format, ext: ext, scope: scope, key: key}, nil
}

// entryOutput is what an esbuild run produced for one entry point.
type entryOutput struct {
	// plan is set for bundles made ahead by PrebuildEsbuild.
	plan      *esbuildPlan
	files     []outFile
	inputs    []string
	warnings  []Message
	natives   map[string]map[string]string
	globRoots []string
	missing   []string
}

// runPlans runs one esbuild build for plans sharing a key, so packages
// several functions use are parsed once. Each output lands at
// <function folder>/<stem>.js as in a build of its own (the same bytes,
// which a test checks). Any error voids the whole run: the functions are
// then built one by one so each error lands on its function.
func runPlans(ctx context.Context, plans []*esbuildPlan) (map[string]*entryOutput, error) {
	var entries, dirs []string
	for _, p := range plans {
		entries = append(entries, p.in.Function.MainFile)
		dirs = append(dirs, p.in.Function.MainFile)
	}
	opts := plans[0].opts
	opts.EntryPoints = entries
	opts.Outbase = commonDir(dirs)
	opts.Outdir = opts.Outbase
	native := &nativeModules{env: plans[0].in.Env, found: map[string]map[string]string{}}
	opts.Plugins = []api.Plugin{native.plugin()}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := plans[0].in.Env.Scanner.guard.build(ctx, opts)
	if err != nil {
		return nil, err
	}
	wd := opts.AbsWorkingDir
	contents, warnings, err := buildResult(plans[0].in.Function.Name, wd, res)
	if err != nil {
		return nil, withMissingHints(err, plans[0].in.Env)
	}
	meta, err := decodeMeta(res.Metafile)
	if err != nil {
		return nil, err
	}
	abs := func(p string) string { return fromWD(wd, p) }
	out := map[string]*entryOutput{}
	for key, o := range meta.Outputs {
		if o.EntryPoint == "" {
			continue
		}
		js := abs(key)
		eo := &entryOutput{natives: map[string]map[string]string{}}
		for _, path := range []string{js, js + ".map"} {
			if data, ok := contents[path]; ok {
				eo.files = append(eo.files, outFile{path: path, contents: data})
			}
		}
		inputs := map[string]bool{}
		for in := range o.Inputs {
			if !strings.Contains(in, ":") {
				inputs[abs(in)] = true
				eo.inputs = append(eo.inputs, abs(in))
			}
		}
		slices.Sort(eo.inputs)
		eo.globRoots, eo.missing = meta.watched(wd, inputs)
		for _, w := range warnings {
			if w.File == "" || inputs[w.File] {
				eo.warnings = append(eo.warnings, w)
			}
		}
		for _, imp := range o.Imports {
			if dirs, ok := native.found[imp.Path]; ok && imp.External {
				eo.natives[imp.Path] = dirs
			}
		}
		out[abs(o.EntryPoint)] = eo
	}
	return out, nil
}

// PrebuildEsbuild bundles, in as few esbuild runs as possible, every
// function of ins that Select sends to esbuild, and keeps the results in
// their Env for Build. Functions it cannot group, or whose group fails,
// are simply built alone later.
func PrebuildEsbuild(ctx context.Context, ins []Input) {
	groups := map[string][]*esbuildPlan{}
	var keys []string
	for _, in := range ins {
		if b, _ := Select(in); b != config.BundlerEsbuild && b != config.BundlerEsbuildZisi {
			continue
		}
		p, err := planEsbuild(in)
		if err != nil {
			continue
		}
		if groups[p.key] == nil {
			keys = append(keys, p.key)
		}
		groups[p.key] = append(groups[p.key], p)
	}
	for _, k := range keys {
		plans := groups[k]
		if len(plans) < 2 {
			continue
		}
		outs, err := runPlans(ctx, plans)
		if err != nil {
			continue
		}
		env := plans[0].in.Env
		env.mu.Lock()
		if env.prebuilt == nil {
			env.prebuilt = map[string]*entryOutput{}
		}
		for _, p := range plans {
			if o := outs[p.in.Function.MainFile]; o != nil {
				o.plan = p
				env.prebuilt[prebuiltKey(p.in)] = o
			}
		}
		env.mu.Unlock()
	}
}

// prebuiltKey is the cache key of a bundle made ahead: the main file, the
// function's whole merged configuration and its flags, so a bundle is
// reused only for exactly the plan it was made for.
func prebuiltKey(in Input) string {
	cfg, _ := json.Marshal(in.Config)
	return fmt.Sprintf("%s\x00%s\x00%+v", in.Function.MainFile, cfg, in.Flags)
}

// esbuild bundles a v1 function into one file next to its main file,
// in-process: CommonJS `<stem>.js` (`<stem>.cjs` with
// zisi_output_cjs_extension), or ESM as esbuildFormat decides (`<stem>.mjs`
// with zisi_pure_esm_mjs, else `<stem>.js` beside the "type": "module"
// package.json, which then ships too). External modules (configured,
// native, special cases) are shipped whole with the zisi package walker;
// ignored ones are not shipped.
func esbuild(ctx context.Context, in Input) (*Bundle, error) {
	fn, env, cfg := in.Function, in.Env, in.Config
	env.mu.Lock()
	out := env.prebuilt[prebuiltKey(in)]
	env.mu.Unlock()
	var plan *esbuildPlan
	if out != nil {
		plan = out.plan
	} else {
		var err error
		if plan, err = planEsbuild(in); err != nil {
			return nil, err
		}
		outs, err := runPlans(ctx, []*esbuildPlan{plan})
		if err != nil {
			if be, ok := err.(*BundleError); ok {
				be.Function = fn.Name
			}
			return nil, err
		}
		out = outs[fn.MainFile]
		if out == nil {
			return nil, fmt.Errorf("esbuild produced no bundle for %s", fn.MainFile)
		}
	}
	stem := strings.TrimSuffix(filepath.Base(fn.MainFile), filepath.Ext(fn.MainFile))
	main := filepath.Join(fn.SrcDir, stem+plan.ext)
	b := &Bundle{MainFile: main, ModuleFormat: plan.format, Generated: map[string][]byte{},
		NativeNodeModules: out.natives, BasePath: esbuildBase(env)}
	for _, f := range out.files {
		b.Generated[f.path] = f.contents
	}
	b.Inputs = out.inputs
	b.GlobRoots, b.Missing = out.globRoots, out.missing
	b.Warnings = slices.Clone(out.warnings)

	// Externals and native packages are shipped with their dependencies,
	// as the zisi bundler ships packages; ones not installed are skipped.
	shipped := plan.shipped
	for name := range out.natives {
		shipped = append(shipped, name)
	}
	site := plan.site
	w := newWalker(env, fn, cfg, site)
	w.sel.file(main, WhyMain, "", "")
	w.sel.omit(fn.MainFile, WhyMainSource, "", "")
	for _, f := range out.inputs {
		w.sel.omit(f, WhyBundled, fn.MainFile, "")
	}
	for _, name := range cfg.IgnoredNodeModules {
		w.sel.omit(name, WhyIgnoredModule, "", "")
	}
	for _, name := range uniq(shipped) {
		pkg, plugins, err := w.findPackage(name, fn.SrcDir)
		if errors.Is(err, resolver.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		why := WhyExternal
		if plugins {
			why += "; " + WhyPluginsModules
		}
		w.sel.pkg(pkg.Dir, packageID(pkg), why, fn.MainFile, name)
		if err := w.addPackage(ctx, pkg, env.Resolver.Symlinks(pkg.Link)); err != nil {
			if errors.Is(err, ErrMissingModule) {
				continue
			}
			return nil, err
		}
	}
	b.Warnings = append(b.Warnings, w.warnings...)
	for f := range w.files {
		b.SrcFiles = append(b.SrcFiles, f)
	}
	for l := range w.links {
		b.SrcFiles = append(b.SrcFiles, l)
	}
	for p := range b.Generated {
		b.SrcFiles = append(b.SrcFiles, p)
	}
	if plan.scope != "" {
		// Node.js loads the ESM .js bundle as ESM only beside it.
		w.sel.file(plan.scope, WhyModuleScope, "", "")
		b.SrcFiles = append(b.SrcFiles, plan.scope)
		b.IncludedFiles = append(b.IncludedFiles, plan.scope)
	}
	slices.Sort(b.SrcFiles)
	b.SrcFiles = slices.Compact(b.SrcFiles)
	b.sel = w.sel
	return b, nil
}

// esbuildOutput is what one in-memory esbuild run produced.
type esbuildOutput struct {
	files []outFile
	// externals are the imports left external, in output order.
	externals []Import
	inputs    []string
	warnings  []Message
	// globRoots are the folders glob-style requires searched; missing
	// the files relative imports named that were not found.
	globRoots, missing []string
}

type outFile struct {
	path     string
	contents []byte
}

// runEsbuild runs a build that must not write and collects its files,
// inputs (absolute, sorted) and warnings; errors become a *BundleError.
func runEsbuild(ctx context.Context, g *nestingGuard, name string, opts api.BuildOptions) (*esbuildOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := g.build(ctx, opts)
	if err != nil {
		return nil, err
	}
	contents, warnings, err := buildResult(name, opts.AbsWorkingDir, res)
	if err != nil {
		return nil, err
	}
	out := &esbuildOutput{warnings: warnings}
	for _, f := range res.OutputFiles {
		out.files = append(out.files, outFile{path: f.Path, contents: contents[f.Path]})
	}
	meta, err := readMetafile(res.Metafile, opts.AbsWorkingDir)
	if err != nil {
		return nil, err
	}
	out.inputs, out.externals = meta.inputs, meta.externals
	out.globRoots, out.missing = meta.globRoots, meta.missing
	return out, nil
}

// withMissingHints adds to esbuild's `Could not resolve "name"` errors
// what to do about the package (run the install when package.json lists
// it, else add it), as the zisi bundler's own message says.
func withMissingHints(err error, env *Env) error {
	be, ok := err.(*BundleError)
	if !ok || env == nil {
		return err
	}
	for i, m := range be.Errors {
		spec, ok := strings.CutPrefix(m.Text, `Could not resolve "`)
		if !ok || m.File == "" {
			continue
		}
		spec, _, _ = strings.Cut(spec, `"`)
		if hint := env.missingHint(m.File, spec); hint != "" {
			be.Errors[i].Notes = append(be.Errors[i].Notes, Message{Text: hint})
		}
	}
	return be
}

// buildResult turns an esbuild result into output contents by path (the
// __glob helper patched), warnings with locations (the reference's text
// for empty-import-meta), or a *BundleError.
func buildResult(name, wd string, res api.BuildResult) (map[string][]byte, []Message, error) {
	if len(res.Errors) > 0 {
		be := &BundleError{Function: name}
		for _, m := range res.Errors {
			be.Errors = append(be.Errors, esbuildMessage(m, wd))
		}
		return nil, nil, be
	}
	var warnings []Message
	for _, m := range res.Warnings {
		msg := esbuildMessage(m, wd)
		if m.ID == "empty-import-meta" {
			msg.Text = `"import.meta" is not available and will be empty, use __dirname instead`
		}
		warnings = append(warnings, msg)
	}
	contents := make(map[string][]byte, len(res.OutputFiles))
	for _, f := range res.OutputFiles {
		data := f.Contents
		switch filepath.Ext(f.Path) {
		case ".js", ".cjs", ".mjs":
			data = []byte(strings.Replace(string(data), globHelper, globHelperPatched, 1))
		}
		contents[f.Path] = data
	}
	return contents, warnings, nil
}

type metafile struct {
	inputs    []string
	externals []Import
	// globRoots and missing are what esbuildMeta.watched says.
	globRoots, missing []string
}

// esbuildMeta is the part of esbuild's metafile zisi reads, for every
// kind of run (bundles, v2 compiles, the import scanner).
type esbuildMeta struct {
	Inputs map[string]struct {
		Format  string       `json:"format"`
		Imports []metaImport `json:"imports"`
	} `json:"inputs"`
	Outputs map[string]struct {
		EntryPoint string         `json:"entryPoint"`
		Inputs     map[string]any `json:"inputs"`
		Imports    []metaImport   `json:"imports"`
	} `json:"outputs"`
}

type metaImport struct {
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	External bool   `json:"external"`
}

// watched says what else than their files the inputs named (every
// input when nil) depend on, for a build cache to watch: the folders
// their glob-style requires (require(`./x/${y}`), "./x/" + y) search,
// each glob's part before its first wildcard, and the files their
// relative imports name that esbuild left external because they were
// not there (a require in a try block).
func (m *esbuildMeta) watched(wd string, inputs map[string]bool) (globRoots, missing []string) {
	for in, v := range m.Inputs {
		if strings.Contains(in, ":") {
			continue
		}
		abs := fromWD(wd, in)
		if inputs != nil && !inputs[abs] {
			continue
		}
		for _, imp := range v.Imports {
			target := filepath.Join(filepath.Dir(abs), imp.Path)
			switch {
			case strings.Contains(imp.Path, "*"):
				globRoots = append(globRoots, globRoot(target))
			case imp.External && (strings.HasPrefix(imp.Path, "./") || strings.HasPrefix(imp.Path, "../")):
				missing = append(missing, target)
			}
		}
	}
	slices.Sort(globRoots)
	slices.Sort(missing)
	return slices.Compact(globRoots), slices.Compact(missing)
}

// fromWD is p, a path esbuild reports (relative to the run's working
// directory wd unless absolute), made absolute.
func fromWD(wd, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(wd, p)
}

// globRoot is the folder part of pattern before its first wildcard.
func globRoot(pattern string) string {
	if i := strings.IndexByte(pattern, '*'); i >= 0 {
		pattern = pattern[:i]
	}
	if strings.HasSuffix(pattern, string(filepath.Separator)) {
		return filepath.Clean(pattern)
	}
	return filepath.Dir(pattern)
}

func decodeMeta(s string) (*esbuildMeta, error) {
	var m esbuildMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("read esbuild metafile: %w", err)
	}
	return &m, nil
}

// readMetafile returns the metafile's input files as absolute paths and
// the imports its outputs leave external.
func readMetafile(meta, wd string) (*metafile, error) {
	m, err := decodeMeta(meta)
	if err != nil {
		return nil, err
	}
	out := &metafile{}
	out.globRoots, out.missing = m.watched(wd, nil)
	for p := range m.Inputs {
		if strings.Contains(p, ":") { // namespaced virtual inputs
			continue
		}
		out.inputs = append(out.inputs, fromWD(wd, p))
	}
	slices.Sort(out.inputs)
	outs := make([]string, 0, len(m.Outputs))
	for k := range m.Outputs {
		outs = append(outs, k)
	}
	slices.Sort(outs)
	for _, k := range outs {
		for _, imp := range m.Outputs[k].Imports {
			if imp.External {
				out.externals = append(out.externals, Import{Specifier: imp.Path, Kind: ImportKind(imp.Kind)})
			}
		}
	}
	return out, nil
}

// esbuildMessage converts an esbuild message, with its notes, making the
// file absolute.
func esbuildMessage(m api.Message, wd string) Message {
	msg := Message{Text: m.Text}
	loc := func(l *api.Location, dst *Message) {
		if l == nil {
			return
		}
		if dst.File = l.File; dst.File != "" {
			dst.File = fromWD(wd, dst.File)
		}
		dst.Line, dst.Column = l.Line, l.Column
	}
	loc(m.Location, &msg)
	for _, n := range m.Notes {
		note := Message{Text: n.Text}
		loc(n.Location, &note)
		msg.Notes = append(msg.Notes, note)
	}
	return msg
}

// exclusionExternals turns `!` included_files patterns into esbuild
// externals as the reference does: `!node_modules/pkg/**` names the
// package, other patterns become `./`-relative path patterns (expanded
// when they hold more than one wildcard, which esbuild cannot take).
func exclusionExternals(patterns []string, srcDir string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		if !strings.HasPrefix(p, "!") {
			continue
		}
		p = "./" + p[1:]
		p = collapseStars.ReplaceAllString(strings.ReplaceAll(p, "**", "*"), "*")
		if m := nodeModulesPattern.FindStringSubmatch(p); m != nil {
			out = append(out, m[1])
			continue
		}
		if strings.Count(p, "*") > 1 {
			matches, err := filepath.Glob(filepath.Join(srcDir, p))
			if err != nil {
				return nil, fmt.Errorf("included_files pattern %q: %w", p, err)
			}
			for _, m := range matches {
				r, _ := filepath.Rel(srcDir, m)
				out = append(out, "./"+filepath.ToSlash(r))
			}
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

var (
	collapseStars      = regexp.MustCompile(`\*(\\\*)+`)
	nodeModulesPattern = regexp.MustCompile(`^\./node_modules/((?:[^/]+)(?:/[^/*]+)?)`)
)

// nativeModules is the esbuild plugin that keeps native packages (which
// cannot be bundled) external and records them for the result.
type nativeModules struct {
	env   *Env
	mu    sync.Mutex
	found map[string]map[string]string
}

var barePackage = regexp.MustCompile(`^[^./]*$`)

func (n *nativeModules) plugin() api.Plugin {
	return api.Plugin{Name: "zisi-native-modules", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `^[^./]*$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if !barePackage.MatchString(a.Path) || resolver.IsBuiltin(a.Path) {
				return api.OnResolveResult{}, nil
			}
			for dir := a.ResolveDir; ; dir = filepath.Dir(dir) {
				if filepath.Base(dir) != "node_modules" {
					pkgDir := filepath.Join(dir, "node_modules", a.Path)
					j, err := n.env.Resolver.PackageJSON(pkgDir)
					if err == nil && j != nil {
						if !resolver.IsNative(j) {
							return api.OnResolveResult{}, nil
						}
						n.mu.Lock()
						if n.found[a.Path] == nil {
							n.found[a.Path] = map[string]string{}
						}
						n.found[a.Path][pkgDir] = j.Version
						n.mu.Unlock()
						return api.OnResolveResult{Path: a.Path, External: true}, nil
					}
				}
				if filepath.Dir(dir) == dir {
					return api.OnResolveResult{}, nil
				}
			}
		})
	}}
}

// dependsOnNext: Next.js sites keep critters and nanoid external, as the
// reference does.
func dependsOnNext(j *resolver.PackageJSON) bool {
	if j == nil {
		return false
	}
	return j.Dependencies["next"] != "" || j.DevDependencies["next"] != ""
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// esbuildBase is what an esbuild bundle's archive paths are relative to:
// the common folder of the base path and the repository root, as the
// reference's getFunctionBasePath makes it, so files outside the site
// but inside the repository keep their place; "" without a base path
// (the files' common folder is used then).
func esbuildBase(env *Env) string {
	if env.BasePath == "" {
		return ""
	}
	if env.RepositoryRoot == "" {
		return env.BasePath
	}
	return commonDir([]string{filepath.Join(env.BasePath, "x"), filepath.Join(env.RepositoryRoot, "x")})
}
