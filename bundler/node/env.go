package node

import (
	"sync"

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
	// Exclude are folders included_files never match: the destination
	// (with the staging folder and the previous build's outputs).
	Exclude []string

	mu sync.Mutex
	// prebuilt holds esbuild bundles made ahead by PrebuildEsbuild, by
	// main file.
	prebuilt map[string]*entryOutput
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
