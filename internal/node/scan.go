package node

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/internal/workslot"
	"github.com/zisi-build/zisi/resolver"
)

// ImportKind is how a file refers to a module.
type ImportKind string

// Import kinds, in esbuild's vocabulary.
const (
	KindRequire        ImportKind = "require-call"
	KindImport         ImportKind = "import-statement"
	KindDynamicImport  ImportKind = "dynamic-import"
	KindRequireResolve ImportKind = "require-resolve"
)

// Import is one literal module reference found in a source file.
type Import struct {
	Specifier string
	Kind      ImportKind
}

// Message is a warning or error located in a source file.
type Message struct {
	Text   string
	File   string
	Line   int // 1-based
	Column int // 0-based, as esbuild reports it
	// Notes add context (esbuild's "The package ... was not found", say).
	Notes []Message
}

// String renders the location for people: file:line:column, 1-based.
func (m Message) String() string {
	switch {
	case m.File == "":
		return m.Text
	case m.Line == 0:
		return fmt.Sprintf("%s: %s", m.File, m.Text)
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.File, m.Line, m.Column+1, m.Text)
}

// SourceError is a syntax error in a function's source, with its location.
type SourceError struct{ Message }

func (e *SourceError) Error() string { return "syntax error: " + e.Message.String() }

// scanned is what one source file refers to.
type scanned struct {
	imports []Import
	// globFiles are the files matched by template-literal or concatenated
	// requires with a static prefix (require(`./locales/${l}.json`)).
	globFiles []string
	// globRoots are the folders those requires search.
	globRoots []string
	warnings  []Message
	// esm is set when the file uses ESM syntax (import/export
	// declarations, import.meta, top-level await).
	esm bool
	// syntax is set when the file could not be parsed; nesting when it,
	// or a file a glob-style require matched, nests too deep for esbuild
	// (*source.NestingError).
	syntax  *Message
	nesting error
}

// Scanner lists the imports of source files, once per file per build:
// package files with quickScan where it can, the others with esbuild's
// parser. It is safe for concurrent use.
type Scanner struct {
	fsys resolver.FS
	// guard checks what esbuild parses for nesting too deep for it, here
	// and in the build's esbuild runs.
	guard *nestingGuard
	mu    sync.Mutex
	files map[string]*scanEntry
}

type scanEntry struct {
	done chan struct{}
	res  *scanned
	// err is set when the file was abandoned (the scan was cancelled).
	err error
}

// NewScanner returns an empty Scanner reading source files through fsys.
// (Files matched by a glob-style require are listed by esbuild from the
// disk itself.)
func NewScanner(fsys resolver.FS) *Scanner {
	return &Scanner{fsys: fsys, files: map[string]*scanEntry{}, guard: newNestingGuard(fsys)}
}

// scannable reports whether the file is JavaScript or TypeScript source.
func scannable(path string) bool {
	return source.IsSource(filepath.Ext(path))
}

// scan parses path (cached).
func (s *Scanner) scan(ctx context.Context, path string) (*scanned, error) {
	res, err := s.scanAll(ctx, []string{path})
	return res[path], err
}

// prefetchBatch is how many main files one esbuild run of PrefetchMains
// parses: enough that a folder of a thousand functions is listed a few
// dozen times rather than once per function, few enough that a worker
// asking for one waits for a short run only.
const prefetchBatch = 32

// PrefetchMains parses, in the background and prefetchBatch per esbuild
// run, the main files of ins that the zisi bundler or file tracing will
// scan, filling the Scanner's cache. Built one at a time, each function's
// scan of its main file is an esbuild run of its own, which lists the
// main file's folder (every function of the site, for file functions)
// again: quadratic in the number of functions. A worker that asks for a
// file first parses it itself; one being parsed here is waited for. It
// returns at once, with a function that waits for the prefetch to end
// (call it before the build returns, so nothing outlives it).
func PrefetchMains(ctx context.Context, ins []Input) (wait func()) {
	var paths []string
	var s *Scanner
	for _, in := range ins {
		if in.Env == nil || in.Env.Scanner == nil || !scannable(in.Function.MainFile) {
			continue
		}
		s = in.Env.Scanner
		paths = append(paths, in.Function.MainFile)
	}
	if s == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(paths) > 0 && ctx.Err() == nil {
			n := min(len(paths), prefetchBatch)
			// Errors (a cancelled build) are the asking function's to
			// report; syntax errors are kept per file.
			_, _ = s.scanAll(ctx, paths[:n])
			paths = paths[n:]
		}
	}()
	return func() { <-done }
}

// scanBatch bounds how many files one esbuild run parses, which bounds
// the memory a batch holds.
const scanBatch = 256

// scanAll parses the files not parsed yet, many per esbuild run so that
// esbuild's per-run work (reading the package.json files above each file,
// say) is shared, and returns every file's result. Files another
// goroutine is parsing are waited for. When ctx ends, it stops between
// esbuild runs (and waits no more) with ctx's error; files left unparsed
// are not kept.
func (s *Scanner) scanAll(ctx context.Context, paths []string) (map[string]*scanned, error) {
	var mine []string
	entries := make(map[string]*scanEntry, len(paths))
	s.mu.Lock()
	for _, p := range paths {
		e, ok := s.files[p]
		if !ok {
			e = &scanEntry{done: make(chan struct{})}
			s.files[p] = e
			mine = append(mine, p)
		}
		entries[p] = e
	}
	s.mu.Unlock()
	rest := mine[:0:0]
	for _, p := range mine {
		if res := s.quick(p); res != nil {
			entries[p].res = res
			close(entries[p].done)
			continue
		}
		rest = append(rest, p)
	}
	mine = rest
	for len(mine) > 0 {
		if err := ctx.Err(); err != nil {
			s.abandon(mine, err)
			return nil, err
		}
		n := min(len(mine), scanBatch)
		batch := mine[:n]
		mine = mine[n:]
		res := s.scanFiles(ctx, batch)
		if err := ctx.Err(); err != nil {
			// Cut short: its results are not the files'.
			s.abandon(slices.Concat(batch, mine), err)
			return nil, err
		}
		for _, p := range batch {
			entries[p].res = res[p]
			close(entries[p].done)
		}
	}
	out := make(map[string]*scanned, len(paths))
	for p, e := range entries {
		// Another worker's scan: its slot goes to other work meanwhile.
		if err := workslot.Wait(ctx, e.done); err != nil {
			return nil, err
		}
		if e.err != nil {
			return nil, e.err
		}
		out[p] = e.res
	}
	return out, nil
}

// quick scans path with quickScan where that stands in for esbuild's
// scan: a package file (inside node_modules) that quickScan claims, whose
// module format its findings settle. nil leaves the file to esbuild.
// quickScan finds no syntax errors, so the site's own files, whose errors
// are reported, always go to esbuild; a package file esbuild could not
// parse (and Node.js could not load) has its imports followed.
func (s *Scanner) quick(path string) *scanned {
	ext := filepath.Ext(path)
	if ext != ".js" && ext != ".cjs" && ext != ".mjs" || !strings.Contains(path, "/node_modules/") {
		return nil
	}
	data, err := s.fsys.ReadFile(strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil
	}
	res, why := quickScan(data)
	if why != "" {
		return nil
	}
	esm, ok := res.esm(ext)
	// What esbuild's run would refuse stays its to report: the file's
	// nesting, and that of the package.json files above it, which it
	// reads. Checked last, for the files quickScan claims only: the
	// others are checked again when esbuild loads them.
	if !ok || source.CheckNesting(path, data, source.SyntaxJS) != nil || s.guard.dirChain(filepath.Dir(path)) != nil {
		return nil
	}
	return &scanned{imports: res.imports, esm: esm}
}

// abandon drops files this goroutine will not parse after all: whoever
// waits for them gets err, and a later scan parses them.
func (s *Scanner) abandon(paths []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range paths {
		e := s.files[p]
		delete(s.files, p)
		e.err = err
		close(e.done)
	}
}

// scanLoaders are the source loaders plus JSON, which imports reach.
var scanLoaders = func() map[string]api.Loader {
	m := maps.Clone(source.Loaders)
	m[".json"] = api.LoaderJSON
	return m
}()

// batchEntry names the generated entry point of a batch scan.
const batchEntry = "<zisi-scan>"

// scanFiles runs esbuild over files with every import marked external, so
// esbuild parses just these files (plus files matched by glob-style
// requires, which it expands itself) and reports each literal specifier
// to the plugin. Requires it cannot analyse come back as warnings. When
// the run fails, each file is parsed alone so the error lands on the file
// that has it.
func (s *Scanner) scanFiles(ctx context.Context, paths []string) map[string]*scanned {
	out := make(map[string]*scanned, len(paths))
	for _, p := range paths {
		out[p] = &scanned{}
	}
	var (
		mu      sync.Mutex
		refusal error
	)
	refuse := func(err error) error {
		if err != nil {
			mu.Lock()
			refusal = cmp.Or(refusal, err)
			mu.Unlock()
		}
		return err
	}
	// Several files are imported by one generated entry point, each import
	// marked free of side effects: esbuild parses every file (which is
	// all the scan needs), and its linker drops them all, so it generates
	// no code for them. As entry points, each would be linked and printed
	// in full, which cost more than parsing them.
	batch := len(paths) > 1
	plugin := api.Plugin{Name: "zisi-scan", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if a.Kind == api.ResolveEntryPoint || batch && a.Importer == "/"+batchEntry {
				p := a.Path
				if a.Kind != api.ResolveEntryPoint {
					// The entry imports files by index: a path in a JS
					// string literal would need JS's escapes, not Go's.
					i, err := strconv.Atoi(p)
					if err != nil || i < 0 || i >= len(paths) {
						return api.OnResolveResult{}, fmt.Errorf("scan: unexpected import %q in the generated entry point", p)
					}
					p = paths[i]
				}
				// As given: the file system is ours, not esbuild's. esbuild
				// still reads the package.json files above it.
				if err := refuse(s.guard.dirChain(filepath.Dir(p))); err != nil {
					return api.OnResolveResult{}, err
				}
				if a.Kind == api.ResolveEntryPoint {
					return api.OnResolveResult{Path: p}, nil
				}
				return api.OnResolveResult{Path: p, SideEffects: api.SideEffectsFalse}, nil
			}
			if res := out[a.Importer]; res != nil {
				mu.Lock()
				res.imports = append(res.imports, Import{Specifier: a.Path, Kind: importKind(a.Kind)})
				mu.Unlock()
			}
			return api.OnResolveResult{Path: a.Path, External: true}, nil
		})
		// Files a glob matches may be of any type; only their names matter.
		b.OnLoad(api.OnLoadOptions{Filter: ".*"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			if err := ctx.Err(); err != nil {
				return api.OnLoadResult{}, err // parse no more
			}
			loader := scanLoaders[filepath.Ext(a.Path)]
			if out[a.Path] == nil && loader == api.LoaderNone {
				empty := ""
				return api.OnLoadResult{Contents: &empty, Loader: api.LoaderEmpty}, nil
			}
			data, err := s.fsys.ReadFile(strings.TrimPrefix(a.Path, "/"))
			if err != nil {
				return api.OnLoadResult{}, fmt.Errorf("read %q: %w", a.Path, err)
			}
			if loader == api.LoaderNone {
				loader = api.LoaderJS
			}
			if err := refuse(source.CheckNesting(a.Path, data, source.LoaderSyntax(loader))); err != nil {
				return api.OnLoadResult{}, err
			}
			contents := string(data)
			return api.OnLoadResult{Contents: &contents, Loader: loader, ResolveDir: filepath.Dir(a.Path)}, nil
		})
	}}
	opts := api.BuildOptions{
		EntryPoints:   paths,
		AbsWorkingDir: "/",
		Bundle:        true,
		Write:         false,
		Metafile:      true,
		Platform:      api.PlatformNode,
		Format:        api.FormatESModule,
		Target:        api.ESNext,
		Loader:        scanLoaders,
		TsconfigRaw:   "{}",
		LogLevel:      api.LogLevelSilent,
		LogOverride: map[string]api.LogLevel{
			"unsupported-require-call":   api.LogLevelWarning,
			"unsupported-dynamic-import": api.LogLevelWarning,
		},
		Plugins: []api.Plugin{plugin},
	}
	if batch {
		var entry strings.Builder
		for i := range paths {
			fmt.Fprintf(&entry, "import \"%d\";\n", i)
		}
		opts.EntryPoints = nil
		opts.Stdin = &api.StdinOptions{Contents: entry.String(), Sourcefile: batchEntry, ResolveDir: "/", Loader: api.LoaderJS}
	}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		if len(paths) > 1 {
			for _, p := range paths {
				out[p] = s.scanFiles(ctx, []string{p})[p]
			}
			return out
		}
		if refusal != nil {
			out[paths[0]].nesting = refusal
			return out
		}
		msg := esbuildMessage(res.Errors[0], "/") // the scan runs in "/"
		out[paths[0]].syntax = &msg
		out[paths[0]].imports = nil
		return out
	}
	for _, m := range res.Warnings {
		call := map[string]string{"unsupported-require-call": "require()", "unsupported-dynamic-import": "import()"}[m.ID]
		if call == "" {
			continue
		}
		msg := esbuildMessage(m, "/")
		msg.Text = call + " with an argument that is not a string literal: zisi cannot tell which module it loads; if that module is not imported elsewhere, list its files in included_files in netlify.toml"
		if r := out[msg.File]; r != nil {
			r.warnings = append(r.warnings, msg)
		}
	}
	// esbuild reports imports from several goroutines; sort them so
	// everything downstream is deterministic.
	for _, r := range out {
		slices.SortFunc(r.imports, compareImports)
	}
	meta, err := decodeMeta(res.Metafile)
	if err != nil {
		return out
	}
	// Inputs that are not entry points are files matched by glob-style
	// requires; the importer's metafile entry names the glob (relative to
	// the importer, `**/` for any depth), which tells whose they are.
	var matched []string
	for in := range meta.Inputs {
		if abs := "/" + strings.TrimPrefix(in, "/"); out[abs] == nil && in != batchEntry {
			matched = append(matched, abs)
		}
	}
	slices.Sort(matched)
	for in, v := range meta.Inputs {
		abs := "/" + strings.TrimPrefix(in, "/")
		r := out[abs]
		if r == nil {
			continue
		}
		r.esm = v.Format == "esm"
		for _, imp := range v.Imports {
			if !strings.Contains(imp.Path, "*") {
				continue
			}
			r.globRoots = append(r.globRoots, globRoot(filepath.Join(filepath.Dir(abs), imp.Path)))
			if len(matched) == 0 {
				continue
			}
			re := globRegexp(filepath.Join(filepath.Dir(abs), imp.Path))
			for _, m := range matched {
				if re.MatchString(m) {
					r.globFiles = append(r.globFiles, m)
				}
			}
		}
		slices.Sort(r.globFiles)
		r.globFiles = slices.Compact(r.globFiles)
	}
	return out
}

// globRegexp compiles esbuild's glob for a dynamic require: `*` within a
// path segment, `**/` across any number of them.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case pattern[i] == '*':
			b.WriteString("[^/]*")
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func importKind(k api.ResolveKind) ImportKind {
	switch k {
	case api.ResolveJSImportStatement:
		return KindImport
	case api.ResolveJSDynamicImport:
		return KindDynamicImport
	case api.ResolveJSRequireResolve:
		return KindRequireResolve
	}
	return KindRequire
}

// locate finds where specifier is written in file (its first quoted
// occurrence) for messages about it: 1-based line, 0-based column, as
// esbuild reports; line 0 when unknown.
func locate(file, specifier string) (line, column int) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	return locateIn(data, specifier)
}

// locateIn finds the first quoted occurrence of specifier in src.
func locateIn(data []byte, specifier string) (line, column int) {
	src := string(data)
	best := -1
	for _, q := range []string{`"`, `'`, "`"} {
		if i := strings.Index(src, q+specifier+q); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return 0, 0
	}
	line = strings.Count(src[:best], "\n") + 1
	return line, best - (strings.LastIndex(src[:best], "\n") + 1)
}
