package golang

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/mod/modfile"
)

// Module is what the go command will use to build a function: its module
// and, when one applies, the workspace around it.
type Module struct {
	// Dir holds GoMod.
	Dir   string
	GoMod string
	// Path is the module path (`module` directive).
	Path string
	// GoVersion is the `go` directive ("1.22", "1.22.3"); empty when absent.
	GoVersion string
	// Work is the go.work in effect, nil outside workspace mode.
	Work *Workspace
	// Vendor is set when a vendor directory supplies the dependencies
	// (beside go.mod, or beside go.work in workspace mode).
	Vendor bool
}

// Workspace is a go.work file in effect for a function.
type Workspace struct {
	File      string
	GoVersion string
	// Uses are the absolute directories of its `use` directives.
	Uses []string
}

// RequiredGo is the newest Go version the module or its workspace asks
// for ("" when neither says).
func (m *Module) RequiredGo() string {
	v := m.GoVersion
	if m.Work != nil && m.Work.GoVersion != "" && (v == "" || compareGo(m.Work.GoVersion, v) > 0) {
		v = m.Work.GoVersion
	}
	return v
}

// FindModule reads the go.mod governing dir, as the go command finds it
// (dir, then each parent), and the go.work in effect: the file GOWORK
// names, none when GOWORK is "off", else the nearest go.work above dir.
// gowork is the value of GOWORK in the build's environment.
func FindModule(dir, gowork string) (*Module, error) {
	modPath, err := findUp(dir, "go.mod")
	if err != nil {
		return nil, err
	}
	if modPath == "" {
		return nil, fmt.Errorf("%w: neither %q nor a parent folder has a go.mod; run `go mod init` in %q (and `go mod tidy` to record dependencies)", ErrNoModule, dir, dir)
	}
	data, err := os.ReadFile(modPath)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", modPath, err)
	}
	f, err := modfile.Parse(modPath, data, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; fix %q", ErrModule, err, modPath)
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%w: %q has no module directive; add `module <path>` at its top", ErrModule, modPath)
	}
	m := &Module{Dir: filepath.Dir(modPath), GoMod: modPath, Path: f.Module.Mod.Path}
	if f.Go != nil {
		m.GoVersion = f.Go.Version
	}
	if m.Work, err = findWork(dir, gowork); err != nil {
		return nil, err
	}
	vendorRoot := m.Dir
	if m.Work != nil {
		vendorRoot = filepath.Dir(m.Work.File)
		if !slices.Contains(m.Work.Uses, m.Dir) {
			return nil, fmt.Errorf("%w: workspace %q does not use module %q; run `go work use %s` in %q, or set GOWORK=off",
				ErrModule, m.Work.File, m.Dir, relOrAbs(vendorRoot, m.Dir), vendorRoot)
		}
	}
	if fi, err := os.Stat(filepath.Join(vendorRoot, "vendor")); err == nil && fi.IsDir() {
		m.Vendor = true
	}
	return m, nil
}

func findWork(dir, gowork string) (*Workspace, error) {
	var path string
	switch gowork {
	case "off":
		return nil, nil
	case "", "auto":
		p, err := findUp(dir, "go.work")
		if err != nil || p == "" {
			return nil, err
		}
		path = p
	default:
		path = gowork
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	f, err := modfile.ParseWork(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; fix %q", ErrModule, err, path)
	}
	w := &Workspace{File: path}
	if f.Go != nil {
		w.GoVersion = f.Go.Version
	}
	for _, u := range f.Use {
		p := u.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		w.Uses = append(w.Uses, filepath.Clean(p))
	}
	return w, nil
}

// findUp returns the first dir/name, parent/name, … that exists, or "".
func findUp(dir, name string) (string, error) {
	for d := filepath.Clean(dir); ; {
		p := filepath.Join(d, name)
		fi, err := os.Stat(p)
		if err == nil && !fi.IsDir() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("inspect %q: %w", p, err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", nil
		}
		d = parent
	}
}

func relOrAbs(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		if r == "." {
			return r
		}
		return "./" + filepath.ToSlash(r)
	}
	return p
}
