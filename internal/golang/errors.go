package golang

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for the failures a user fixes in different ways; match them
// with errors.Is.
var (
	// ErrNoToolchain: no `go` command could be run.
	ErrNoToolchain = errors.New("go toolchain not found")
	// ErrNoModule: neither the function's directory nor a parent holds a
	// go.mod.
	ErrNoModule = errors.New("no go.mod")
	// ErrModule: go.mod or go.work cannot be used as it is (it does not
	// parse, or the workspace leaves the function's module out).
	ErrModule = errors.New("invalid Go module")
	// ErrGoVersion: the module needs a newer Go than the toolchain can
	// provide.
	ErrGoVersion = errors.New("go version too old")
	// ErrCompile: `go build` ran and failed.
	ErrCompile = errors.New("go build failed")
)

// CompileError is a failed `go build`: the compiler's output as it printed
// it (file:line:col messages, relative to Dir) and a hint when the
// output shows a mistake with a known fix.
type CompileError struct {
	Dir    string
	Status string
	Output string
	Hint   string
}

func (e *CompileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "go build in %q failed (%s):", e.Dir, e.Status)
	for _, line := range strings.Split(strings.TrimRight(e.Output, "\n"), "\n") {
		if line != "" {
			b.WriteString("\n  " + line)
		}
	}
	if e.Hint != "" {
		b.WriteString("\n  hint: " + e.Hint)
	}
	return b.String()
}

// Is makes CompileError match ErrCompile.
func (e *CompileError) Is(target error) bool { return target == ErrCompile }

// hints maps what the go command prints to what the user should do; %s is
// the module's directory.
var hints = []struct{ match, hint string }{
	{"missing go.sum entry", "go.sum lacks an entry the build needs; run `go mod tidy` in %s and commit go.sum"},
	{"no required module provides package", "a package the function imports is in no required module; run `go get` for it, or `go mod tidy`, in %s"},
	{"updates to go.mod needed", "go.mod is out of date; run `go mod tidy` in %s"},
	{"inconsistent vendoring", "vendor/ does not match go.mod; run `go mod vendor` in %s"},
	{"is not one of the workspace modules", "the workspace leaves this module out; run `go work use` for it next to go.work"},
}

func hintFor(output, moduleDir string) string {
	for _, h := range hints {
		if strings.Contains(output, h.match) {
			if strings.Contains(h.hint, "%s") {
				return fmt.Sprintf(h.hint, fmt.Sprintf("%q", moduleDir))
			}
			return h.hint
		}
	}
	return ""
}
