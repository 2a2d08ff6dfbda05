package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"strings"
)

// Toolchain is the go command a build runs, with what `go env` told about
// it once (every function's build shares it).
type Toolchain struct {
	// Go is the path of the go command.
	Go string
	// Version is the toolchain's version ("go1.26.8").
	Version string
	// GOTOOLCHAIN, GOWORK are as `go env` reports them in the build's
	// environment.
	GOTOOLCHAIN string
	GOWORK      string
	// Env is the environment builds start from (the user's).
	Env []string
}

// FindToolchain locates `go` in env's PATH (the process's environment
// when env is nil) and asks it for its version and settings.
func FindToolchain(ctx context.Context, env []string) (*Toolchain, error) {
	if env == nil {
		env = os.Environ()
	}
	goCmd, err := lookPath("go", env)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; install Go and put its bin folder on PATH to build Go functions", ErrNoToolchain, err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json", "GOVERSION", "GOTOOLCHAIN", "GOWORK")
	cmd.Env = env
	// Outside any module, so a go.mod asking for a newer toolchain cannot
	// make `go env` switch toolchains or fail.
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: run %q env: %w: %s", ErrNoToolchain, goCmd, err, strings.TrimSpace(stderr.String()))
	}
	var v struct{ GOVERSION, GOTOOLCHAIN, GOWORK string }
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("read `go env` output: %w", err)
	}
	return &Toolchain{Go: goCmd, Version: v.GOVERSION, GOTOOLCHAIN: v.GOTOOLCHAIN, GOWORK: v.GOWORK, Env: env}, nil
}

// CheckVersion fails with ErrGoVersion when the module needs a newer Go
// than this toolchain and GOTOOLCHAIN does not let go switch to one
// (GOTOOLCHAIN=local, or a fixed older version). With `auto` or `path`
// the go command fetches or finds the toolchain itself.
func (t *Toolchain) CheckVersion(m *Module) error {
	need := m.RequiredGo()
	if need == "" {
		return nil
	}
	name, mode, _ := strings.Cut(t.GOTOOLCHAIN, "+")
	switch {
	case t.GOTOOLCHAIN == "auto" || t.GOTOOLCHAIN == "path" || mode == "auto" || mode == "path":
		return nil
	case name == "" || name == "local":
		name = t.Version
	}
	if !version.IsValid(name) || compareGo(strings.TrimPrefix(name, "go"), need) >= 0 {
		return nil
	}
	file := m.GoMod
	if m.Work != nil && m.Work.GoVersion == need {
		file = m.Work.File
	}
	return fmt.Errorf("%w: %q requires go %s but the toolchain is %s (GOTOOLCHAIN=%s); install Go %s or newer, or set GOTOOLCHAIN=auto so go downloads it",
		ErrGoVersion, file, need, name, t.GOTOOLCHAIN, need)
}

// compareGo compares two go directive versions ("1.22", "1.22.3",
// "1.23rc1").
func compareGo(a, b string) int { return version.Compare("go"+a, "go"+b) }

// lookPath finds file on the PATH of env.
func lookPath(file string, env []string) (string, error) {
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range strings.Split(path, string(os.PathListSeparator)) {
		if dir == "" {
			dir = "."
		}
		p := dir + string(os.PathSeparator) + file
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %q on PATH", file)
}
