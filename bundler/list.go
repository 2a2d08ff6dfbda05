package bundler

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/workslot"
	"github.com/zisi-build/zisi/manifest"
)

// ListedFunction is one function found by ListFunctions, with the
// reference's listFunctions fields.
type ListedFunction struct {
	Name        string `json:"name"`
	MainFile    string `json:"mainFile"`
	Runtime     string `json:"runtime"`
	Extension   string `json:"extension"`
	SrcDir      string `json:"srcDir"`
	SrcPath     string `json:"srcPath"`
	DisplayName string `json:"displayName,omitempty"`
	Generator   string `json:"generator,omitempty"`
	Timeout     int    `json:"timeout,omitempty"`
	Schedule    string `json:"schedule,omitempty"`
	// The fields below are set only with Options.ParseISC, for Node.js
	// functions, from the main file's analysis: the API version (1 or
	// 2), the module format it is written in and a v2 function's routes.
	RuntimeAPIVersion int              `json:"runtimeAPIVersion,omitempty"`
	InputModuleFormat string           `json:"inputModuleFormat,omitempty"`
	Routes            []manifest.Route `json:"routes,omitempty"`
	ExcludedRoutes    []manifest.Route `json:"excludedRoutes,omitempty"`
	// InvocationMode is "background" or "stream" as the build would
	// write it; not in the reference's listing.
	InvocationMode string `json:"invocationMode,omitempty"`
	// Priority is PriorityUser or PriorityGenerated, as the build would
	// write it; not in the reference's listing.
	Priority int `json:"priority"`
	// Generated is set for a function from a generated source; not in
	// the reference's listing.
	Generated bool `json:"generated,omitempty"`
}

// ListedFile is one source file of one function (ListFunctionsFiles).
type ListedFile struct {
	ListedFunction
	// SrcFile is the file; Extension (embedded) is its extension.
	SrcFile string `json:"srcFile"`
	// Why says why the build reads it (zisi why gives the whole chain),
	// and Via what led to it. Not in the reference's listing.
	Why string `json:"why,omitempty"`
	Via string `json:"via,omitempty"`
}

// Listing is the outcome of ListFunctions.
type Listing struct {
	Functions []ListedFunction
	Warnings  []Warning
	// Notes name the entries of the site's own folders that are not
	// functions (a .py file, a folder without a main file), one each.
	Notes []Warning
}

// FilesListing is the outcome of ListFunctionsFiles.
type FilesListing struct {
	Files    []ListedFile
	Warnings []Warning
}

// ListFunctions lists every function candidate in the functions folders
// srcDirs: ListSources with user directories only.
func ListFunctions(ctx context.Context, srcDirs []string, opts Options) (*Listing, error) {
	return ListSources(ctx, Dirs(srcDirs...), opts)
}

// ListSources lists every function candidate of src without building
// anything. Like the reference it does not de-duplicate names (each
// candidate path is listed) and keeps paths in the form given. With
// Options.ParseISC each Node.js main file is analysed, for its API
// version, module format, routes and in-source schedule. Entries of the
// site's own folders that are not functions each get a note.
func ListSources(ctx context.Context, src Sources, opts Options) (*Listing, error) {
	found, _, err := src.discover(ctx, opts.discoverOptions())
	if err != nil {
		return nil, err
	}
	out := &Listing{Warnings: slices.Concat(flagWarnings(opts.FeatureFlags), discoveryWarnings(found)), Notes: src.skipped(found)}
	b := &builder{opts: opts}
	for _, fn := range found.Functions {
		lf, err := b.listed(fn)
		if err != nil {
			out.Warnings = append(out.Warnings, Warning{Function: fn.Name, Path: fn.MainFile, Message: err.Error()})
		}
		out.Functions = append(out.Functions, lf)
	}
	return out, nil
}

// ListFunction lists the single function at path (a file or directory),
// as the reference's listFunction does; ErrNotFunction when path is not
// a function. The function is generated when path is inside
// Options.InternalSrcFolder.
func ListFunction(ctx context.Context, path string, opts Options) (*ListedFunction, error) {
	found, err := discover.DiscoverPaths(ctx, []string{path}, opts.discoverOptions())
	if err != nil {
		return nil, err
	}
	if len(found.Functions) == 0 {
		return nil, fmt.Errorf("list %q: %w", path, ErrNotFunction)
	}
	fn := found.Functions[len(found.Functions)-1]
	fn.Generated = opts.internal(fn)
	lf, err := (&builder{opts: opts}).listed(fn)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", path, err)
	}
	return &lf, nil
}

// listed is fn as a listing shows it, analysed when Options.ParseISC
// says so. An analysis error (an invalid in-source configuration) leaves
// the analysed fields unset and is returned beside the listing.
func (b *builder) listed(fn discover.Function) (ListedFunction, error) {
	p, err := b.plan(fn, false)
	lf := listed(p)
	if err != nil {
		return lf, err
	}
	if !b.opts.ParseISC || fn.Runtime != discover.RuntimeJS || fn.Kind == discover.KindZip {
		return lf, nil
	}
	a, err := b.analyse(fn)
	if err != nil {
		return lf, err
	}
	lf.RuntimeAPIVersion = max(a.APIVersion, 1)
	lf.InputModuleFormat = a.InputModuleFormat
	cfg := p.cfg
	if a.APIVersion == 2 {
		cfg = config.MergeSource(cfg, a.Config, fn.MainFile)
		if lf.Routes, lf.ExcludedRoutes, err = v2Routes(2, cfg); err != nil {
			return lf, err
		}
		if lf.Routes == nil {
			lf.Routes = []manifest.Route{}
		}
	}
	// The in-source schedule (a v1 schedule() call or a v2 config) wins.
	lf.Schedule = cmp.Or(a.Schedule, cfg.Schedule)
	lf.InvocationMode = invocationMode(fn.Name, lf.RuntimeAPIVersion, a.InvocationMode, cfg)
	return lf, nil
}

// ListFunctionsFiles lists the source files each function's build reads
// and ships: what the bundler read (a TypeScript main file, not the .js it
// becomes; every file esbuild or the tracer pulled in), the included_files
// and the files shipped as they are. It plans each function as a build
// does (absolute paths, source analysis, in-source configuration), so the
// listing is the build's own. Paths are absolute.
func ListFunctionsFiles(ctx context.Context, srcDirs []string, opts Options) (*FilesListing, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	abs, err := absAll(srcDirs)
	if err != nil {
		return nil, err
	}
	found, _, err := Dirs(abs...).discover(ctx, o.discoverOptions())
	if err != nil {
		return nil, err
	}
	out := &FilesListing{Warnings: slices.Concat(flagWarnings(o.FeatureFlags), discoveryWarnings(found))}
	b := &builder{opts: o, env: o.newEnv()}
	fns := found.Functions
	// As a build does: main files parsed, compiled and bundled ahead in
	// shared esbuild runs, and up to Parallel functions listed at once.
	// The listing keeps the functions' order.
	prefetched := b.prebuild(ctx, fns, make([]*FunctionError, len(fns)))
	type listing struct {
		files []Pick
		fn    ListedFunction
		err   error
	}
	lists := make([]listing, len(fns))
	workslot.Each(len(fns), o.Parallel, func(i int) {
		files, err := b.sourceFiles(ctx, fns[i])
		if err != nil {
			lists[i].err = err
			return
		}
		p, _ := b.plan(fns[i], false)
		lists[i] = listing{files: files, fn: listed(p)}
	})
	prefetched()
	for i, l := range lists {
		if l.err != nil {
			out.Warnings = append(out.Warnings, Warning{Function: fns[i].Name, Message: l.err.Error()})
			continue
		}
		for _, f := range l.files {
			item := ListedFile{ListedFunction: l.fn, SrcFile: f.Path, Why: string(f.Why), Via: f.Via}
			item.Extension = filepath.Ext(f.Path)
			out.Files = append(out.Files, item)
		}
	}
	return out, nil
}

// sourceFiles returns the sorted source files of one function's build,
// each with the reason it is read.
func (b *builder) sourceFiles(ctx context.Context, fn discover.Function) ([]Pick, error) {
	switch {
	case fn.Runtime == discover.RuntimeJS && fn.Kind != discover.KindZip:
		p, err := b.plan(fn, true)
		if err != nil {
			return nil, err
		}
		bundle, err := node.Build(ctx, p.input(b.env))
		if err != nil {
			return nil, err
		}
		return bundleSources(bundle, b.env.Resolver.Lstat), nil
	case isGoSource(fn):
		files, err := goSources(fn.SrcPath)
		if err != nil {
			return nil, err
		}
		picks := make([]Pick, len(files))
		for i, f := range files {
			picks[i] = Pick{Path: f, Why: whyGoSource}
		}
		return picks, nil
	}
	return []Pick{{Path: fn.MainFile, Why: whyPrebuilt}}, nil
}

const (
	whyGoSource node.Why = "read by go build"
	whyPrebuilt node.Why = "shipped as it is (a prebuilt archive or binary)"
)

// bundleSources is what a bundle read and ships, as the regular files on
// disk: a compiled main file at a path of its own (hello.js for hello.ts)
// stands for its source, which is among the inputs, and the symbolic
// links and package folders it recreates (pnpm's) for their targets.
// lstat answers as os.Lstat does; the listing passes the resolver's
// cached answers (Resolver.Lstat), as each file is asked about once per
// function that lists it.
func bundleSources(bundle *node.Bundle, lstat func(string) (fs.FileInfo, error)) []Pick {
	why := map[string]Pick{}
	if sel := bundle.Selection; sel != nil {
		for _, list := range [][]Pick{sel.Omitted, sel.Files} { // a shipped file's reason wins
			for _, p := range list {
				why[p.Path] = p
			}
		}
	}
	var files []string
	for _, list := range [][]string{bundle.Inputs, bundle.IncludedFiles, bundle.SrcFiles} {
		for _, f := range list {
			if fi, err := lstat(f); err == nil && fi.Mode().IsRegular() {
				files = append(files, f)
			}
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	picks := make([]Pick, len(files))
	for i, f := range files {
		p, ok := why[f]
		if !ok {
			p = Pick{Path: f, Why: node.WhyTraced}
		}
		picks[i] = p
	}
	return picks
}

// goSources lists what go build reads from a Go function's folder: the
// module files and every non-test .go file.
func goSources(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case d.IsDir() && p != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"):
			return filepath.SkipDir // go build ignores these folders
		case d.Type().IsRegular() && (name == "go.mod" || name == "go.sum" || (strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"))):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list Go sources in %q: %w", dir, err)
	}
	return files, nil
}

func listed(p *plan) ListedFunction {
	fn, cfg := p.fn, p.cfg
	return ListedFunction{
		Name: fn.Name, MainFile: fn.MainFile, Runtime: string(fn.Runtime), Extension: fn.Extension,
		SrcDir: fn.SrcDir, SrcPath: fn.SrcPath, DisplayName: cfg.Name, Generator: cfg.Generator,
		Timeout: cfg.Timeout, Schedule: cfg.Schedule,
		Priority: priority(fn), Generated: fn.Generated,
	}
}

func discoveryWarnings(found *discover.Result) []Warning {
	var out []Warning
	for _, w := range found.Warnings {
		out = append(out, Warning{Path: w.Path, Message: w.Msg})
	}
	return out
}

// shadowWarnings reports a name found in several source folders: only the
// last folder's function is built (the reference's rule), which is rarely
// what the user meant when the folders differ.
func shadowWarnings(fns []discover.Function) []Warning {
	byName := map[string][]discover.Function{}
	var order []string
	for _, fn := range fns {
		if _, ok := byName[fn.Name]; !ok {
			order = append(order, fn.Name)
		}
		byName[fn.Name] = append(byName[fn.Name], fn)
	}
	var out []Warning
	for _, name := range order {
		cands := byName[name]
		winner := cands[len(cands)-1]
		for _, c := range cands[:len(cands)-1] {
			switch {
			case filepath.Dir(c.SrcPath) == filepath.Dir(winner.SrcPath):
			case c.Generated && !winner.Generated:
				out = append(out, Warning{Function: name, Path: c.SrcPath, Message: fmt.Sprintf(
					"generated function not built: the site's own %q has the same name and replaces it; rename yours if the framework's function is needed", winner.SrcPath)})
			default:
				out = append(out, Warning{Function: name, Path: c.SrcPath, Message: fmt.Sprintf(
					"not built: %q from a later source folder has the same name and wins; rename one of them to build both", winner.SrcPath)})
			}
		}
	}
	return out
}
