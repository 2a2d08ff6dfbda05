package golang

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// Request is one function to build.
type Request struct {
	// Dir is the function's directory; `go build` runs there, on the
	// package in it.
	Dir string
	// Arch is the target GOARCH: "amd64" (the default) or "arm64".
	Arch string
	// Out is where the binary is written.
	Out string
	// WorkDir, when set, is the go command's GOTMPDIR: a killed go
	// cannot delete its work folder, so the caller puts it where it
	// cleans up anyway.
	WorkDir string
}

// Flags are the go build flags every function gets, besides -o and -mod:
// the reference's ldflags and tags, plus -trimpath and -buildvcs=false so
// the binary depends only on the sources and the toolchain, not on where
// the site was checked out or on its VCS state.
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags=lambda.norpc"}

// Args returns the go command line for building m's package in req.Dir.
func Args(req Request, m *Module) []string {
	args := append([]string{"build", "-o", req.Out}, Flags...)
	if m.Vendor {
		args = append(args, "-mod=vendor")
	}
	return append(args, ".")
}

// env returns the build's environment: the user's, with the target
// settings layered over it so that a GOOS or CGO_ENABLED in the user's
// shell cannot produce a binary the platform cannot run.
func (t *Toolchain) env(arch string) []string {
	return append(append([]string(nil), t.Env...), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
}

// Build checks the function's module and compiles it to req.Out. When ctx
// is cancelled the go command and every compiler and linker it started
// are killed.
func (t *Toolchain) Build(ctx context.Context, req Request) (*Module, error) {
	if req.Arch == "" {
		req.Arch = "amd64"
	}
	m, err := FindModule(req.Dir, t.GOWORK)
	if err != nil {
		return nil, err
	}
	if err := t.CheckVersion(m); err != nil {
		return m, err
	}
	cmd := exec.CommandContext(ctx, t.Go, Args(req, m)...)
	cmd.Dir = req.Dir
	cmd.Env = t.env(req.Arch)
	if req.WorkDir != "" {
		cmd.Env = append(cmd.Env, "GOTMPDIR="+req.WorkDir)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return m, ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return m, &CompileError{Dir: req.Dir, Status: exit.ProcessState.String(), Output: out.String(), Hint: hintFor(out.String(), m.Dir)}
	}
	if err != nil {
		return m, fmt.Errorf("run %q: %w", t.Go, err)
	}
	return m, nil
}
