package node

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/memo"
	"github.com/zisi-build/zisi/resolver"
)

// Env is what every function of one build shares, so identical work
// (listing a package, parsing a file) is done once.
type Env struct {
	Resolver *resolver.Resolver
	Scanner  *Scanner
	Packages *resolver.Graph
	// BasePath anchors included_files when the configuration does not
	// (the site's base directory: netlify.toml's, else the working one).
	BasePath string
	// RepositoryRoot is the repository or workspace root the site lives
	// in (the reference's repositoryRoot; BasePath when empty): the
	// tracer's base, so a package hoisted above the site ships, and with
	// BasePath what the esbuild bundler's archive paths are relative to.
	RepositoryRoot string
	// Exclude are folders included_files never match: the destination
	// (with the staging folder and the previous build's outputs).
	Exclude []string
	// Roots, when set, are the only folders a bundler may read sources
	// from (real paths): esbuild inlines what it reads (a tsconfig paths
	// alias, an absolute import), so a file outside would leak into the
	// bundle even though it is no archive entry.
	Roots []string

	// contained memoises, by the path asked, whether a file's real path
	// lies in Roots: each package file is checked once per function that
	// ships it.
	contained memo.Map[string, bool]
	// boundaries memoises packageBoundary by folder.
	boundaries memo.Map[string, string]
	// resolutions memoises the file tracer's resolutions by resolveKey.
	resolutions memo.Map[resolveKey, *resolution]
	// analyses memoises what the file tracer's analysis of a package
	// file did, by analysisKey.
	analyses memo.Map[analysisKey, *fileEffects]
	// mains holds the v2 main files' compilations, by mainKey: made in
	// batches by PrecompileMains, or claimed by a function compiling its
	// own (compiledMain).
	mains memo.Map[mainKey, *mainCompile]
	// shipped is the most files one function of the build shipped so
	// far (shipHint).
	shipped atomic.Int64

	mu sync.Mutex
	// prebuilt holds esbuild bundles made ahead by PrebuildEsbuild, by
	// prebuiltKey (main file and merged configuration).
	prebuilt map[string]*entryOutput
}

// ErrOutsideRoot classifies a source a bundler read from outside the
// repository root (the archive writer's sentinel: one class of failure);
// match with errors.Is.
var ErrOutsideRoot = archive.ErrOutsideRoot

// inRoots reports whether the real path lies in one of e.Roots
// (checkContained memoises the answer by the path asked).
func (e *Env) inRoots(real string) bool {
	for _, r := range e.Roots {
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// packageBoundary is the nearest folder at or above dir (not "/") that
// holds a package.json, or "". Every traced file asks it of its folder,
// once per function that ships it.
func (e *Env) packageBoundary(dir string) string {
	if v, ok := e.boundaries.Load(dir); ok {
		return v
	}
	b := ""
	if dir != "/" && dir != "." {
		if e.Resolver.IsFile(filepath.Join(dir, "package.json")) {
			b = dir
		} else {
			b = e.packageBoundary(filepath.Dir(dir))
		}
	}
	e.boundaries.Store(dir, b)
	return b
}

// checkContained refuses inputs whose real path is outside e.Roots,
// naming what led to them from the selection.
func (e *Env) checkContained(inputs []string, sel *selector) error {
	if e == nil || e.Roots == nil {
		return nil
	}
	for _, f := range inputs {
		if !filepath.IsAbs(f) {
			continue // esbuild's virtual modules
		}
		if ok, known := e.contained.Load(f); known && ok {
			continue // asked by an earlier function
		}
		real, err := e.Resolver.Realpath(f)
		if err != nil {
			real = f
		}
		in := e.inRoots(real)
		e.contained.Store(f, in)
		if !in {
			what := fmt.Sprintf("%q", real)
			if real != f {
				what = fmt.Sprintf("%q, a symbolic link to %q,", f, real)
			}
			if by := sel.importedBy(f); by != "" {
				what += " (" + by + ")"
			}
			return fmt.Errorf("%w: the function would ship %s outside the repository root; nothing outside it ships (it could hold the build machine's secrets): remove the link or import, copy what it needs into the site, or allow that folder explicitly (--allow-outside)", ErrOutsideRoot, what)
		}
	}
	return nil
}

// repositoryRoot is RepositoryRoot, else BasePath (the reference's
// default: repositoryRoot = basePath).
func (e *Env) repositoryRoot() string {
	if e.RepositoryRoot != "" {
		return e.RepositoryRoot
	}
	return e.BasePath
}

// locate finds where file imports specifier, reading through the
// resolver's file system.
func (e *Env) locate(file, specifier string) (line, column int) {
	data, err := e.Resolver.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	return locateIn(data, specifier)
}

// NewEnv returns a fresh Env on the real file system.
func NewEnv(basePath string) *Env { return NewEnvFS(resolver.OS(), basePath) }

// NewEnvFS returns a fresh Env reading fsys (paths as resolver.FS takes
// them): unit tests run the bundlers on a testing/fstest.MapFS. esbuild's
// own bundling (the esbuild bundler, compiling a v2 main file) still
// reads the disk.
func NewEnvFS(fsys resolver.FS, basePath string) *Env {
	r := resolver.New(fsys)
	return &Env{Resolver: r, Scanner: NewScanner(fsys), Packages: resolver.NewGraph(r), BasePath: basePath}
}

// maxShipHint bounds the map sizes a bundler starts a function with.
const maxShipHint = 1 << 15

// shipHint is how many files to size a function's maps for: the most one
// function of the build shipped so far. The functions of a site mostly
// ship the same packages, and growing these maps file by file cost more
// than filling them.
func (e *Env) shipHint() int { return int(e.shipped.Load()) }

// noteShipped records that a function shipped n files, for shipHint.
func (e *Env) noteShipped(n int) {
	n = min(n, maxShipHint)
	for {
		cur := e.shipped.Load()
		if int64(n) <= cur || e.shipped.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}
