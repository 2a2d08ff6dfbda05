package bundler

import (
	"errors"
	"fmt"
	"strings"
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
	// ErrInternal: zisi itself failed (a panic) while building one
	// function; the other functions are unaffected.
	ErrInternal = errors.New("internal error")
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
