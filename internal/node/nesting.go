package node

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/resolver"
)

// ErrNesting classifies a file nested too deeply for esbuild's parser
// (*source.NestingError names it and the line).
var ErrNesting = source.ErrNesting

// nestingGuard checks what esbuild is about to parse with
// source.CheckNesting, so a file deep enough to overflow esbuild's stack
// fails its function instead of crashing the process: every file esbuild
// loads, and the package.json, tsconfig.json and jsconfig.json files it
// reads from the directories of the files it resolves and loads. One
// guard serves a build; each directory is checked once.
type nestingGuard struct {
	fsys resolver.FS
	mu   sync.Mutex
	// dirs maps a checked directory to the refusal of a JSON file in it
	// (nil when none): its parents are checked too.
	dirs map[string]error
}

func newNestingGuard(fsys resolver.FS) *nestingGuard {
	return &nestingGuard{fsys: fsys, dirs: map[string]error{}}
}

// jsonFiles are the files esbuild's resolver reads in each directory.
var jsonFiles = []string{"package.json", "tsconfig.json", "jsconfig.json"}

// dirChain checks dir and every directory above it.
func (g *nestingGuard) dirChain(dir string) error {
	for d := filepath.Clean(dir); filepath.IsAbs(d); d = filepath.Dir(d) {
		g.mu.Lock()
		err, done := g.dirs[d]
		g.mu.Unlock()
		if done {
			return err // its parents were checked with it
		}
		if fi, serr := fs.Stat(g.fsys, fsName(d)); serr == nil && fi.IsDir() {
			for _, name := range jsonFiles {
				if err = g.file(filepath.Join(d, name), source.SyntaxJSON); err != nil {
					break
				}
			}
		}
		g.mu.Lock()
		g.dirs[d] = err
		g.mu.Unlock()
		if err != nil {
			return err
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
	return nil
}

// file checks a regular file, if there is one at p (only regular files
// are read: a FIFO would block).
func (g *nestingGuard) file(p string, syn source.Syntax) error {
	if syn == source.SyntaxNone {
		return nil
	}
	name := fsName(p)
	if fi, err := fs.Stat(g.fsys, name); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, err := g.fsys.ReadFile(name)
	if err != nil {
		return nil // esbuild reports it
	}
	return source.CheckNesting(p, data, syn)
}

// fsName is an absolute path as resolver.FS names it.
func fsName(p string) string {
	if p = strings.TrimPrefix(filepath.ToSlash(p), "/"); p == "" {
		return "."
	}
	return p
}

// resolving checks the directories esbuild reads while it resolves
// specifier from dir: the target's (for a relative or absolute path), or
// the node_modules/<specifier> folders above dir and in nodePaths.
func (g *nestingGuard) resolving(specifier, dir string, nodePaths []string) error {
	if dir == "" {
		return nil
	}
	if err := g.dirChain(dir); err != nil {
		return err
	}
	switch {
	case filepath.IsAbs(specifier):
		return g.dirChain(specifier)
	case resolver.IsRelative(specifier):
		return g.dirChain(filepath.Join(dir, specifier))
	}
	for d := dir; ; d = filepath.Dir(d) {
		if filepath.Base(d) != "node_modules" {
			if err := g.dirChain(filepath.Join(d, "node_modules", specifier)); err != nil {
				return err
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for _, p := range nodePaths {
		if err := g.dirChain(filepath.Join(p, specifier)); err != nil {
			return err
		}
	}
	return nil
}

// plugin is the esbuild plugin that runs the checks before esbuild reads
// anything; the first refusal is kept for result, and fails the build.
// Once ctx ends it fails every resolve and load, so that esbuild, whose
// cancellation does not stop the files it is already reading, parses no
// more of them.
func (g *nestingGuard) plugin(ctx context.Context, nodePaths []string) (api.Plugin, func() error) {
	var (
		mu      sync.Mutex
		refusal error
	)
	keep := func(err error) error {
		if err != nil {
			mu.Lock()
			if refusal == nil {
				refusal = err
			}
			mu.Unlock()
		}
		return err
	}
	p := api.Plugin{Name: "zisi-nesting", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if err := ctx.Err(); err != nil {
				return api.OnResolveResult{}, err
			}
			spec := a.Path
			if a.Kind == api.ResolveEntryPoint && !filepath.IsAbs(spec) {
				spec = filepath.Join(a.ResolveDir, spec)
			}
			return api.OnResolveResult{}, keep(g.resolving(spec, a.ResolveDir, nodePaths))
		})
		b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			if err := ctx.Err(); err != nil {
				return api.OnLoadResult{}, err
			}
			if err := keep(g.dirChain(filepath.Dir(a.Path))); err != nil {
				return api.OnLoadResult{}, err
			}
			return api.OnLoadResult{}, keep(g.file(a.Path, source.SyntaxFor(a.Path)))
		})
	}}
	return p, func() error {
		mu.Lock()
		defer mu.Unlock()
		return refusal
	}
}

// build runs an esbuild build behind the guard: a file too deep for
// esbuild's parser is the error, before esbuild parses anything of it.
// The build is esbuild's api.Build, made cancellable: when ctx ends,
// esbuild stops as soon as it can (it reads no more files and skips
// linking) and ctx's error is returned.
func (g *nestingGuard) build(ctx context.Context, opts api.BuildOptions) (api.BuildResult, error) {
	p, refusal := g.plugin(ctx, opts.NodePaths)
	opts.Plugins = append([]api.Plugin{p}, opts.Plugins...)
	es, cerr := api.Context(opts)
	if cerr != nil {
		return api.BuildResult{Errors: cerr.Errors}, refusal()
	}
	stop := context.AfterFunc(ctx, es.Cancel)
	res := es.Rebuild()
	stop()
	es.Dispose()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, refusal()
}
