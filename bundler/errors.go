package bundler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/golang"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/internal/verify"
)

// Sentinels for classifiable failures; match with errors.Is.
var (
	// ErrReservedName: a function is named ___netlify-entry-point.
	ErrReservedName = errors.New("reserved function name")
	// ErrNotFunction: ZipFunction was given a path that is no function.
	ErrNotFunction = errors.New("not a function")
	// ErrNameCollision: two functions would write the same output file.
	ErrNameCollision = errors.New("output name collision")
	// ErrInvalidOptions: the options cannot be used (bad archive format,
	// destination inside a source folder).
	ErrInvalidOptions = errors.New("invalid options")
	// ErrRuntimeUnavailable: the function's runtime cannot be built by this
	// release.
	ErrRuntimeUnavailable = errors.New("runtime not available")
	// ErrInvalidRoutes: a function with a custom path is scheduled or
	// runs on a platform event (Netlify Build refuses both).
	ErrInvalidRoutes = errors.New("invalid routes")
	// ErrStrict: Options.Strict is set and the build had warnings; the
	// previous outputs are left as they were.
	ErrStrict = errors.New("warnings in a strict build")
	// ErrInternal: zisi itself failed (a panic) while building one
	// function; the other functions are unaffected.
	ErrInternal = errors.New("internal error")
)

// Classifiable failures of the bundlers, re-exported so a deploy tool can
// match them without importing zisi's internal packages.
var (
	// ErrMissingModule: an import or a package's dependency is not
	// installed (*MissingModuleError says which, and who needs it).
	ErrMissingModule = node.ErrMissingModule
	// ErrBundle: esbuild could not bundle a function (*BundleError holds
	// its messages with file, line and column).
	ErrBundle = node.ErrBundle
	// ErrNesting: a source file nests too deeply for esbuild's parser
	// (*NestingError names the file and line).
	ErrNesting = node.ErrNesting
	// ErrCompile: go build failed (*CompileError holds the compiler's
	// output).
	ErrCompile = golang.ErrCompile
	// ErrTooLarge: an archive is over a size limit (*SizeError).
	ErrTooLarge = archive.ErrTooLarge
	// ErrSourceConfig: a function's in-source configuration is invalid
	// (*SourceConfigError names the key).
	ErrSourceConfig = source.ErrConfig
	// ErrOutsideRoot: a file would ship from outside the repository
	// root, through a symbolic link or an import.
	ErrOutsideRoot = archive.ErrOutsideRoot
	// ErrIncludeOutsideBase: an included_files pattern leaves the site.
	ErrIncludeOutsideBase = node.ErrIncludeOutsideBase
	// ErrNoBootstrap and ErrIncompatibleBootstrap: the v2 bootstrap
	// cannot be found or fetched, or --bootstrap names a version that
	// cannot load the entry point.
	ErrNoBootstrap           = node.ErrNoBootstrap
	ErrIncompatibleBootstrap = node.ErrIncompatibleBootstrap
	// ErrNodeMissing: Verify needs node on PATH.
	ErrNodeMissing = verify.ErrNodeMissing
)

// Typed errors behind those sentinels, for errors.As.
type (
	MissingModuleError = node.MissingModuleError
	BundleError        = node.BundleError
	NestingError       = source.NestingError
	CompileError       = golang.CompileError
	SizeError          = archive.SizeError
	SourceConfigError  = source.ConfigError
)

// FunctionError is the failure of one function, naming it and its runtime
// (and bundler, when one was chosen) so users know where to look.
type FunctionError struct {
	Name     string
	Runtime  string
	Bundler  string
	MainFile string
	Err      error
}

func (e *FunctionError) Error() string {
	where := e.Runtime
	if e.Bundler != "" {
		where += ", " + e.Bundler
	}
	return fmt.Sprintf("function %q (%s): %v", e.Name, where, e.Err)
}

func (e *FunctionError) Unwrap() error { return e.Err }

// BuildError reports every function that failed in a ZipFunctions call.
type BuildError struct {
	Failures []*FunctionError
}

func (e *BuildError) Error() string {
	parts := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		parts[i] = f.Error()
	}
	return fmt.Sprintf("%d function(s) failed: %s", len(e.Failures), strings.Join(parts, "; "))
}

// Unwrap exposes every failure to errors.Is and errors.As.
func (e *BuildError) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f
	}
	return out
}
