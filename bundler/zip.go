package bundler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/workslot"
	"github.com/zisi-build/zisi/manifest"
)

// Warning is a problem that did not stop the build.
type Warning struct {
	// Function is empty for warnings about the site as a whole.
	Function string `json:"function,omitempty"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
}

func (w Warning) String() string {
	var b strings.Builder
	if w.Function != "" {
		fmt.Fprintf(&b, "function %q: ", w.Function)
	}
	if w.Path != "" {
		b.WriteString(w.Path + ": ")
	}
	b.WriteString(w.Message)
	return b.String()
}

// BootstrapInfo says which @netlify/serverless-functions-api the v2
// archives of a build ship as ___netlify-bootstrap.mjs, and where it came
// from.
type BootstrapInfo struct {
	Version string
	// Source is "--bootstrap DIR", "the site's node_modules (DIR)" or
	// "the per-user cache (DIR)".
	Source string
	// Unused lists the site's copies of another version that were not
	// shipped, as "VERSION in DIR".
	Unused []string
}

func (b *BootstrapInfo) String() string {
	s := fmt.Sprintf("%s@%s from %s", node.BootstrapPackage, b.Version, b.Source)
	if len(b.Unused) > 0 {
		s += fmt.Sprintf("; the site's %s is not shipped (zisi takes only %s from a site)", strings.Join(b.Unused, ", "), node.BootstrapVersion)
	}
	return s
}

// Report is the outcome of ZipFunctions.
type Report struct {
	// Functions holds the successful results in discovery order.
	Functions []FunctionResult
	// Failures holds one error per failed function, in discovery order.
	Failures []*FunctionError
	// Warnings are site-level and per-function warnings.
	Warnings []Warning
	// Notes are information that needs no action (a package shipped from
	// devDependencies, say); the CLI shows them with --verbose.
	Notes []Warning
	// Bootstrap says which @netlify/serverless-functions-api the build
	// shipped from: the v2 functions' bootstrap, and the telemetry file
	// with zisi_add_instrumentation_loader. nil when the build has none.
	Bootstrap *BootstrapInfo
	// Manifest is the manifest path written; empty when none was (any
	// failure keeps an existing manifest untouched).
	Manifest string
	// Removed lists the outputs of the previous build in the destination
	// that this build no longer produces (a deleted or renamed function),
	// removed once the new manifest was in place. Only outputs the
	// previous manifest listed are ever removed.
	Removed []string
	// Cache says how the build used the build cache; nil when it was
	// off (Options.Cache).
	Cache *CacheStats
}

// ZipFunctions builds every function found in the functions folders
// srcDirs into destDir and writes the manifest: ZipSources with user
// directories only.
func ZipFunctions(ctx context.Context, srcDirs []string, destDir string, opts Options) (*Report, error) {
	return ZipSources(ctx, Dirs(srcDirs...), destDir, opts)
}

// ZipSources builds every function of src into destDir and writes the
// manifest, as the reference's zipFunctions does with a functions bag.
// Every function is attempted; when any fails, the returned error is a
// *BuildError listing them all.
//
// The outputs are written to a staging folder inside destDir and replace
// the previous ones only when every function succeeded, the manifest
// last: a failed, cancelled or killed build leaves the previous archives
// and manifest byte for byte as they were. A lock on destDir keeps two
// builds from mixing their outputs (the second waits, or fails with
// ErrDestinationBusy when Options.NoWait is set). The Report is returned
// in every case except an error before discovery finished.
func ZipSources(ctx context.Context, src Sources, destDir string, opts Options) (_ *Report, err error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if src, err = src.abs(); err != nil {
		return nil, err
	}
	if err := checkDest(src.roots(), destDir); err != nil {
		return nil, err
	}
	found, notes, err := src.discover(ctx, o.discoverOptions())
	if err != nil {
		return nil, err
	}
	fns := discover.Dedupe(found.Functions)
	outputs := outputNames(fns, o.ArchiveFormat)
	manifestPath, err := checkManifestPath(src.roots(), destDir, o.ManifestPath, outputs)
	if err != nil {
		return nil, err
	}
	rep := &Report{Warnings: slices.Concat(flagWarnings(o.FeatureFlags), discoveryWarnings(found), shadowWarnings(found.Functions)), Notes: slices.Concat(notes, src.skipped(found))}
	if len(fns) == 0 {
		rep.Warnings = append(rep.Warnings, src.emptyWarnings()...)
	}
	if _, serr := os.Lstat(destDir); errors.Is(serr, fs.ErrNotExist) {
		// A destination this build creates is removed again when the
		// build publishes nothing (it is empty then).
		defer func() {
			if err != nil {
				os.Remove(destDir)
			}
		}()
	}
	st, err := openStage(ctx, destDir, o)
	if err != nil {
		return nil, err
	}
	defer st.close()
	bc, cacheWarns := openCache(ctx, o, destDir)
	results, errs, boot := buildAll(ctx, fns, st.dir, o, bc)
	rep.Bootstrap = boot
	var finishWarns []Warning
	rep.Cache, finishWarns = bc.finish(ctx)
	// The cache's own problems are reported but never fail a build,
	// Strict or not.
	cacheWarns = append(cacheWarns, finishWarns...)
	defer func() { rep.Warnings = append(rep.Warnings, cacheWarns...) }()
	var published []string
	for i := range fns {
		if errs[i] != nil {
			rep.Failures = append(rep.Failures, errs[i])
			continue
		}
		res := results[i]
		// Results name the destination, not the staging folder.
		final := filepath.Join(destDir, outputs[i])
		for j := range res.warns {
			if res.warns[j].Path == res.Path {
				res.warns[j].Path = final
			}
		}
		res.Path = final
		published = append(published, outputs[i])
		rep.Functions = append(rep.Functions, *res)
		rep.Warnings = append(rep.Warnings, res.warns...)
		rep.Notes = append(rep.Notes, res.notes...)
		if res.cacheNote != nil {
			rep.Notes = append(rep.Notes, *res.cacheNote)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if len(rep.Failures) > 0 {
		return rep, &BuildError{Failures: rep.Failures}
	}
	if o.Strict && len(rep.Warnings) > 0 {
		return rep, fmt.Errorf("%w: %d warnings and Strict is set, so nothing was published; fix them or build without Strict", ErrStrict, len(rep.Warnings))
	}
	data, err := manifestData(o, rep.Functions)
	if err != nil {
		return rep, err
	}
	if rep.Removed, err = st.commit(published, manifestPath, data); err != nil {
		return rep, err
	}
	rep.Manifest = manifestPath
	return rep, nil
}

// ZipFunction builds the single function at path (a file or directory)
// into destDir without writing a manifest. It returns ErrNotFunction when
// path is not a function.
func ZipFunction(ctx context.Context, path, destDir string, opts Options) (*FunctionResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", path, err)
	}
	found, err := discover.DiscoverPaths(ctx, []string{abs}, o.discoverOptions())
	if err != nil {
		return nil, err
	}
	if len(found.Functions) == 0 {
		return nil, fmt.Errorf("build %q: %w", path, ErrNotFunction)
	}
	if err := makeDest(destDir); err != nil {
		return nil, err
	}
	fns := discover.Dedupe(found.Functions)
	fns[0].Generated = o.internal(fns[0])
	results, errs, _ := buildAll(ctx, fns[:1], destDir, o, nil)
	if errs[0] != nil {
		return nil, errs[0]
	}
	return results[0], nil
}

// buildAll builds functions with at most o.Parallel at once. Each worker
// writes only its own index, so output order never depends on timing.
// It also says which v2 bootstrap was shipped, if any.
func buildAll(ctx context.Context, fns []discover.Function, destDir string, o Options, bc *buildCache) ([]*FunctionResult, []*FunctionError, *BootstrapInfo) {
	results := make([]*FunctionResult, len(fns))
	errs := make([]*FunctionError, len(fns))
	outputs := outputNames(fns, o.ArchiveFormat)
	collisions := collisionErrors(fns, outputs)
	b := newBuilder(destDir, fns, o)
	b.cache = bc
	if bc != nil {
		// The cache hashes what the build ships as the writer reads it.
		b.comp.HashContents()
		bc.snap.Known = b.comp.Digest
	}
	started := time.Now()
	plans, keys, hits := b.lookupAll(ctx, fns, outputs, collisions)
	skip := slices.Clone(collisions)
	for i, r := range hits {
		if r != nil {
			skip[i] = &FunctionError{} // restored: nothing to prebuild
		}
	}
	prefetched := b.prebuild(ctx, fns, skip)
	// A worker waiting for what another one computes for both (a file
	// the other's archive is compressing) hands its slot to the next
	// function meanwhile (workslot).
	pool := workslot.NewPool(o.Parallel)
	// Go builds take turns on their own slots, so they run beside the
	// Node.js work instead of holding its workers while go compiles.
	goPool := workslot.NewPool(o.goParallel())
	var wg sync.WaitGroup
	var done atomic.Int64
	for i := range fns {
		if collisions[i] != nil {
			errs[i] = collisions[i]
			continue
		}
		slots := pool
		if isGoSource(fns[i]) {
			slots = goPool
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := slots.Acquire(ctx); err != nil {
				errs[i] = b.fail(fns[i], "", err)
				return
			}
			defer slots.Release()
			ctx := workslot.With(ctx, slots.Yielder())
			start := time.Now()
			b.emit(Event{Kind: EventStart, Function: fns[i].Name, Runtime: string(fns[i].Runtime), Total: len(fns)})
			if hits[i] != nil {
				results[i] = hits[i]
			} else {
				results[i], errs[i] = b.safeBuild(ctx, fns[i], outputs[i])
				if keys[i] != "" && errs[i] == nil {
					b.record(keys[i], plans[i], results[i])
				}
			}
			n := int(done.Add(1))
			if o.Progress != nil {
				o.Progress(n, len(fns), fns[i].Name)
			}
			ev := Event{Kind: EventDone, Function: fns[i].Name, Runtime: string(fns[i].Runtime), Err: errs[i],
				Elapsed: time.Since(start), Done: n, Total: len(fns)}
			if r := results[i]; r != nil {
				// Named where it will be published, not in the staging
				// folder.
				published := *r
				published.Path = b.published(r.Path)
				ev.Result = &published
			}
			b.emit(ev)
		}()
	}
	wg.Wait()
	prefetched()
	// Archives synced in the background (a staging folder): one that did
	// not reach the disk fails its function, and is not cached.
	failed := b.comp.WaitSync()
	b.cache.commit(ctx, started, o.Parallel, failed)
	if failed != nil {
		for i, r := range results {
			if r == nil {
				continue
			}
			if err := failed[r.Path]; err != nil {
				errs[i], results[i] = b.fail(fns[i], r.Bundler, err), nil
			}
		}
	}
	var boot *BootstrapInfo
	if b.boot != nil {
		boot = &BootstrapInfo{Version: b.boot.Version, Source: b.boot.Source, Unused: b.boot.Unused}
	}
	return results, errs, boot
}

// newBuilder makes the builder of one call writing into destDir (a
// staging folder, or the destination itself): included_files never ship
// the destination (the previous build's archives, this build's staging
// folder), and archives read only from the containment roots of fns.
func newBuilder(destDir string, fns []discover.Function, o Options) *builder {
	b := &builder{destDir: destDir, opts: o, comp: archive.NewCompressor(), env: o.newEnv()}
	dest := destDir
	staging := strings.HasPrefix(filepath.Base(destDir), stagingPrefix)
	if staging {
		dest = filepath.Dir(destDir)
		b.publishDir = dest
	}
	switch {
	case !o.Fsync:
		b.comp.SkipSync() // a staging folder or not: renames stay atomic
	case staging:
		// Nothing in the staging folder is published before buildAll
		// has waited for every archive to reach the disk.
		b.comp.DeferSync()
	}
	if abs, err := filepath.Abs(dest); err == nil {
		b.env.Exclude = append(b.env.Exclude, abs)
	}
	if real, err := resolvePath(dest); err == nil {
		b.env.Exclude = append(b.env.Exclude, real)
	}
	roots := containmentRoots(fns, o)
	// Nor the per-user cache, when it lives in the site (--cache-dir
	// .netlify/zisi-cache): its files change with every build. Only
	// then, so that where the cache lives elsewhere is in no key.
	if cacheDir, err := resolvePath(o.userCache()); err == nil && insideAny(cacheDir, roots...) {
		b.env.Exclude = append(b.env.Exclude, cacheDir)
	}
	b.comp.Contain(roots...)
	// Tracing has resolved the links on the way to every file the
	// archives store, and lstatted it: the writer reuses those answers.
	b.comp.ShareRealpath(b.env.Resolver.Realpath)
	b.comp.ShareLstat(b.env.Resolver.Lstat)
	b.env.Roots = roots
	return b
}

// containmentRoots are the folders archives may read from: the site's
// base directory (without one, each source folder's site, see siteOf),
// the repository root holding it (Options.RepositoryRoot: a monorepo's
// hoisted node_modules) and Options.AllowOutside, with their symbolic
// links resolved.
func containmentRoots(fns []discover.Function, o Options) []string {
	var roots []string
	added := map[string]bool{}
	add := func(p string) {
		if added[p] {
			return
		}
		added[p] = true
		if real, err := resolvePath(p); err == nil && !slices.Contains(roots, real) {
			roots = append(roots, real)
		}
	}
	if o.BasePath != "" {
		add(o.BasePath)
	} else {
		seen := map[string]bool{} // a folder's functions share its site
		for _, fn := range fns {
			if !seen[fn.SrcDir] {
				seen[fn.SrcDir] = true
				add(siteOf(fn.SrcDir))
			}
		}
	}
	if o.RepositoryRoot != "" {
		add(o.RepositoryRoot)
	}
	for _, d := range o.AllowOutside {
		add(d)
	}
	return roots
}

// siteOf is the site a source folder belongs to when no base directory
// is given: the nearest folder at or above dir that holds a package.json,
// node_modules, netlify.toml or .git, else dir's parent.
func siteOf(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		for _, marker := range []string{"package.json", "node_modules", "netlify.toml", ".git"} {
			if _, err := os.Stat(filepath.Join(d, marker)); err == nil {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return filepath.Dir(dir)
		}
	}
}

// safeBuild is build, with a panic turned into that function's error
// (ErrInternal, with the stack) instead of a crash of the whole build.
func (b *builder) safeBuild(ctx context.Context, fn discover.Function, output string) (res *FunctionResult, ferr *FunctionError) {
	defer func() {
		if v := recover(); v != nil {
			res, ferr = nil, b.fail(fn, "", fmt.Errorf("%w: %v; please report it with this stack:\n%s", ErrInternal, v, debug.Stack()))
		}
	}()
	if testHook != nil {
		testHook(fn.Name)
	}
	return b.build(ctx, fn, output)
}

// testHook, when a test sets it, runs before each function's build.
var testHook func(name string)

// outputNames returns each function's output file name within destDir.
func outputNames(fns []discover.Function, format ArchiveFormat) []string {
	out := make([]string, len(fns))
	for i, fn := range fns {
		switch {
		case fn.Kind == discover.KindZip:
			out[i] = fn.Filename
		case fn.Runtime != discover.RuntimeJS:
			out[i] = fn.Filename + ".zip"
			if fn.Kind == discover.KindDir {
				out[i] = fn.Name + ".zip"
			}
		case format == ArchiveNone:
			out[i] = node.Stem(fn)
		default:
			out[i] = node.Stem(fn) + ".zip"
		}
	}
	return out
}

// collisionErrors fails every function whose output file another function
// also writes (e.g. `my.func/` and `my.func.js` both make my.func.zip).
func collisionErrors(fns []discover.Function, outputs []string) []*FunctionError {
	owners := map[string][]int{}
	for i, name := range outputs {
		owners[name] = append(owners[name], i)
	}
	errs := make([]*FunctionError, len(fns))
	for name, idx := range owners {
		if len(idx) < 2 {
			continue
		}
		var srcs []string
		for _, i := range idx {
			srcs = append(srcs, fmt.Sprintf("%q", fns[i].SrcPath))
		}
		for _, i := range idx {
			errs[i] = &FunctionError{Name: fns[i].Name, Runtime: string(fns[i].Runtime), MainFile: fns[i].MainFile,
				Err: fmt.Errorf("%w: %s all write %q; rename one of them", ErrNameCollision, strings.Join(srcs, ", "), name)}
		}
	}
	return errs
}

// makeDest creates the destination folder, explaining the usual mistakes.
func makeDest(destDir string) error {
	if fi, err := os.Stat(destDir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%w: destination %q is a file, not a folder; choose another destination or remove it", ErrInvalidOptions, destDir)
	}
	if err := os.MkdirAll(destDir, 0o755); err != nil {
		return fmt.Errorf("create destination %q: %w; choose a destination you can write to", destDir, err)
	}
	return nil
}

func absAll(paths []string) ([]string, error) {
	out := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("resolve %q: %w", p, err)
		}
		out[i] = a
	}
	return out, nil
}

// checkDest refuses a destination inside a source folder: its archives
// would be discovered as functions by the next build, and directory output
// would replace source files. Paths are compared with their symbolic links
// resolved, so a destination that links into a source folder is refused
// too.
func checkDest(srcDirs []string, destDir string) error {
	dest, err := resolvePath(destDir)
	if err != nil {
		return err
	}
	for _, src := range srcDirs {
		real, err := resolvePath(src)
		if err != nil {
			return err
		}
		if within(dest, real) {
			return fmt.Errorf("%w: destination %q is inside source folder %q; choose a destination outside it", ErrInvalidOptions, destDir, src)
		}
	}
	return nil
}

// checkManifestPath returns the manifest's absolute path, refusing one
// inside a source folder or one a function's output would overwrite
// (symbolic links resolved).
func checkManifestPath(srcDirs []string, destDir, manifestPath string, outputs []string) (string, error) {
	p := manifestPath
	if p == "" {
		p = filepath.Join(destDir, "manifest.json")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", p, err)
	}
	real, err := resolvePath(abs)
	if err != nil {
		return "", err
	}
	for _, src := range srcDirs {
		rs, err := resolvePath(src)
		if err != nil {
			return "", err
		}
		if within(real, rs) {
			return "", fmt.Errorf("%w: manifest %q is inside source folder %q; write it elsewhere", ErrInvalidOptions, p, src)
		}
	}
	dest, err := resolvePath(destDir)
	if err != nil {
		return "", err
	}
	for _, out := range outputs {
		if o := filepath.Join(dest, out); real == o || within(real, o) {
			return "", fmt.Errorf("%w: manifest %q is where function output %q goes; write the manifest elsewhere or rename the function", ErrInvalidOptions, p, out)
		}
	}
	return abs, nil
}

// manifestData encodes the manifest of a build's results.
func manifestData(o Options, results []FunctionResult) ([]byte, error) {
	m := &manifest.Manifest{
		Functions: make([]manifest.Function, 0, len(results)),
		System:    manifest.CurrentSystem(),
		Timestamp: o.Now().UnixMilli(),
		Version:   manifest.Version,
	}
	for i := range results {
		entry, err := results[i].ManifestEntry()
		if err != nil {
			return nil, err
		}
		m.Functions = append(m.Functions, entry)
	}
	return manifest.Marshal(m)
}
