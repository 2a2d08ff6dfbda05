package node

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/workslot"
)

// mainKey is one compilation of a v2 main file (compileMain): the file
// and every option the compilation depends on.
type mainKey struct {
	main      string
	format    api.Format
	target    int
	sourcemap bool
}

// options are the esbuild options compiling k.main alone: its local
// imports inlined, packages left external, from the file's folder.
func (k mainKey) options() api.BuildOptions {
	opts := api.BuildOptions{
		EntryPoints:   []string{k.main},
		AbsWorkingDir: filepath.Dir(k.main),
		Bundle:        true,
		Packages:      api.PackagesExternal,
		Write:         false,
		Metafile:      true,
		Platform:      api.PlatformNode,
		Format:        k.format,
		Engines:       []api.Engine{{Name: api.EngineNode, Version: fmt.Sprint(k.target)}},
		LogLevel:      api.LogLevelSilent,
	}
	if k.format == api.FormatESModule {
		opts.Banner = map[string]string{"js": cjsShim}
	}
	if k.sourcemap {
		opts.Sourcemap = api.SourceMapInline
	}
	return opts
}

// newMainKey is the compilation of main to format with cfg's options.
func newMainKey(main string, format api.Format, cfg config.FunctionConfig) mainKey {
	return mainKey{
		main: main, format: format, target: bundlerTarget(cfg.NodeVersion),
		sourcemap: cfg.NodeSourcemap != nil && *cfg.NodeSourcemap,
	}
}

// mainKeyOf is the compilation trace asks for in's main file.
func mainKeyOf(in Input) mainKey {
	fn := in.Function
	return newMainKey(fn.MainFile, v2Format(in.Env, fn.MainFile, traceBase(in.Env, fn)), in.Config)
}

// batchKey is what the main files one esbuild run compiles together
// share: everything of mainKey but the file, whose folder is the run's
// working directory.
func (k mainKey) batchKey() mainKey {
	k.main = filepath.Dir(k.main)
	return k
}

// mainCompile is a main file's compilation, claimed by whichever asks
// first: a batch of PrecompileMains, or the function's own trace.
type mainCompile struct {
	// done is closed once out is set.
	done chan struct{}
	// out is the batch's result; nil when the function is to compile
	// its main file alone (it asked first, or the batch could not vouch
	// for its result).
	out *esbuildOutput
}

// closed is the done of a compilation a trace claimed: nothing to wait
// for.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// compiledMain is k's compilation: a batch's when PrecompileMains made or
// is making it (waited for, handing the caller's work slot over), else
// compiled here, alone.
func (e *Env) compiledMain(ctx context.Context, k mainKey) (*esbuildOutput, error) {
	if c, loaded := e.mains.LoadOrStore(k, &mainCompile{done: closed}); loaded {
		if err := workslot.Wait(ctx, c.done); err != nil {
			return nil, err
		}
		if c.out != nil {
			return c.out, nil
		}
	}
	return runEsbuild(ctx, e.Scanner.guard, filepath.Base(k.main), k.options())
}

// mainsBatch is how many main files one esbuild run of PrecompileMains
// compiles, as prefetchBatch: few enough that a function waiting for
// its own waits for a short run.
const mainsBatch = prefetchBatch

// PrecompileMains compiles, in the background and up to mainsBatch per
// esbuild run, the main files of the v2 functions of ins that are
// traced, for their traces to take (compiledMain). Compiled one at a
// time, each main file is an esbuild run of its own, which lists the
// file's folder (every function of the site, for file functions) again:
// 1.7 s of CPU for the 375 v2 functions of a 1,000-function site,
// against 0.6 s in batches. A main file is compiled in a batch only with
// others of the same folder and options, and its result kept only when
// it is exactly what compiling it alone gives (batchOutputs); any other
// is compiled by its function. It returns at once, with a function that
// waits for the compilations to end (call it before the build returns).
func PrecompileMains(ctx context.Context, ins []Input) (wait func()) {
	groups := map[mainKey][]mainKey{}
	var order []mainKey
	var env *Env
	for _, in := range ins {
		if in.Env == nil || in.Env.Scanner == nil || in.APIVersion() != 2 {
			continue
		}
		if b, _ := Select(in); b != config.BundlerNft {
			continue
		}
		if env == nil {
			env = in.Env
		} else if env != in.Env {
			continue // one build's functions share one Env
		}
		k := mainKeyOf(in)
		g := k.batchKey()
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], k)
	}
	if env == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, g := range order {
			keys := groups[g]
			for len(keys) > 1 && ctx.Err() == nil {
				n := min(len(keys), mainsBatch)
				env.compileBatch(ctx, keys[:n])
				keys = keys[n:]
			}
		}
	}()
	return func() { <-done }
}

// compileBatch compiles the main files of keys (one folder, the same
// options) in one esbuild run, each main file a function has not claimed
// yet, and hands each its result, or nil to compile it alone.
func (e *Env) compileBatch(ctx context.Context, keys []mainKey) {
	var mine []mainKey
	var claims []*mainCompile
	stems := map[string]bool{}
	for _, k := range keys {
		// Two main files of one stem (a.ts, a.mjs) would share an
		// output path: the second is left to its function.
		stem := strings.TrimSuffix(filepath.Base(k.main), filepath.Ext(k.main))
		if stems[stem] {
			continue
		}
		c := &mainCompile{done: make(chan struct{})}
		if _, loaded := e.mains.LoadOrStore(k, c); loaded {
			continue // its function asked first
		}
		stems[stem] = true
		mine = append(mine, k)
		claims = append(claims, c)
	}
	var outs map[string]*esbuildOutput
	if len(mine) > 1 {
		outs = e.runBatch(ctx, mine)
	}
	for i, c := range claims {
		c.out = outs[mine[i].main] // nil for a main file left to its function
		close(c.done)
	}
}

// runBatch is compileBatch's esbuild run. It returns nothing when the
// run failed or warned (each function then compiles alone, so errors and
// warnings land on the function they belong to).
func (e *Env) runBatch(ctx context.Context, keys []mainKey) map[string]*esbuildOutput {
	opts := keys[0].options()
	opts.EntryPoints = opts.EntryPoints[:0]
	for _, k := range keys {
		opts.EntryPoints = append(opts.EntryPoints, k.main)
	}
	wd := opts.AbsWorkingDir
	opts.Outdir, opts.Outbase = wd, wd
	res, err := e.Scanner.guard.build(ctx, opts)
	if err != nil || len(res.Errors) > 0 || len(res.Warnings) > 0 {
		return nil
	}
	contents, _, err := buildResult("", wd, res)
	if err != nil {
		return nil
	}
	meta, err := decodeMeta(res.Metafile)
	if err != nil {
		return nil
	}
	return batchOutputs(meta, contents, wd)
}

// batchOutputs splits a batch's result by entry point, keeping only the
// entries whose result is exactly what compiling them alone gives. With
// code splitting off, esbuild links each entry point on its own, so its
// code and its external imports are those of a run of its own. What a
// run of its own lists as inputs (every file it parsed) is the closure
// of the entry's imports in the metafile; an entry that reaches a
// glob-style require or a require.resolve, whose files the metafile does
// not tie to it, is left out, as is one that imports another entry.
func batchOutputs(meta *esbuildMeta, contents map[string][]byte, wd string) map[string]*esbuildOutput {
	entries := map[string]bool{}
	for _, o := range meta.Outputs {
		if o.EntryPoint != "" {
			entries[o.EntryPoint] = true
		}
	}
	out := map[string]*esbuildOutput{}
	for path, o := range meta.Outputs {
		if o.EntryPoint == "" {
			continue
		}
		closure, ok := importClosure(meta, o.EntryPoint, entries)
		if !ok {
			continue
		}
		js := fromWD(wd, path)
		data, found := contents[js]
		if !found {
			continue
		}
		eo := &esbuildOutput{files: []outFile{{path: js, contents: data}}}
		set := make(map[string]bool, len(closure))
		for in := range closure {
			if !strings.Contains(in, ":") {
				abs := fromWD(wd, in)
				eo.inputs = append(eo.inputs, abs)
				set[abs] = true
			}
		}
		slices.Sort(eo.inputs)
		eo.globRoots, eo.missing = meta.watched(wd, set)
		for _, imp := range o.Imports {
			if imp.External {
				eo.externals = append(eo.externals, Import{Specifier: imp.Path, Kind: ImportKind(imp.Kind)})
			}
		}
		out[fromWD(wd, o.EntryPoint)] = eo
	}
	return out
}

// importClosure is the set of metafile inputs entry reaches through
// imports esbuild follows, entry included; false when the closure cannot
// be told from the metafile (see batchOutputs) or holds another of
// entries.
func importClosure(meta *esbuildMeta, entry string, entries map[string]bool) (map[string]bool, bool) {
	seen := map[string]bool{entry: true}
	queue := []string{entry}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		in, ok := meta.Inputs[f]
		if !ok {
			return nil, false
		}
		for _, imp := range in.Imports {
			// A glob's files are inputs no import names (its own import
			// is external, its path the pattern).
			if imp.Kind == "require-resolve" || strings.Contains(imp.Path, "*") {
				return nil, false
			}
			if imp.External {
				continue
			}
			if seen[imp.Path] {
				continue
			}
			if entries[imp.Path] {
				return nil, false
			}
			seen[imp.Path] = true
			queue = append(queue, imp.Path)
		}
	}
	return seen, true
}
