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
	Packages *Packages
	// BasePath anchors included_files when the configuration does not
	// (the site's base directory: netlify.toml's, else the working one).
	BasePath string

	mu sync.Mutex
	// prebuilt holds esbuild bundles made ahead by PrebuildEsbuild, by
	// main file.
	prebuilt map[string]*entryOutput
}

// NewEnv returns a fresh Env on the real file system.
func NewEnv(basePath string) *Env {
	r := resolver.New(resolver.OS())
	return &Env{Resolver: r, Scanner: NewScanner(), Packages: NewPackages(r), BasePath: basePath}
}
