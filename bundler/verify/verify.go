package verify

import (
	"archive/zip"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zisi-build/zisi/bundler/archive"
	"github.com/zisi-build/zisi/bundler/binary"
	"github.com/zisi-build/zisi/manifest"
)

//go:embed runner.cjs
var runnerSource []byte

// ErrNodeMissing means node could not be found.
var ErrNodeMissing = errors.New("node not found")

// Options configures verification.
type Options struct {
	// Node is the node executable; "node" from PATH when empty.
	Node string
	// Arch is the architecture Go and Rust bootstraps must target
	// ("amd64" when empty).
	Arch string
	// Timeout bounds each function's check; 30s when zero.
	Timeout time.Duration
	// Parallel bounds concurrent checks; the number of CPUs when zero.
	Parallel int
}

// Result is the outcome for one archive.
type Result struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Runtime string `json:"runtime"`
	// OK is false when the archive cannot load: a module is missing, the
	// entry file fails, or a bootstrap is unusable.
	OK bool `json:"ok"`
	// Error explains a failure.
	Error string `json:"error,omitempty"`
	// MissingModule is set when the failure is a missing module.
	MissingModule bool `json:"missingModule,omitempty"`
	// HandlerError is an exception thrown by the handler itself with the
	// minimal event; it does not fail verification (the code loaded).
	HandlerError string `json:"handlerError,omitempty"`
	StatusCode   int    `json:"statusCode,omitempty"`
	Body         string `json:"body,omitempty"`
}

// Dir verifies every function of the build whose manifest.json is in dir.
// Results follow the manifest's order.
func Dir(ctx context.Context, dir string, opts Options) ([]Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, err
	}
	return Functions(ctx, m.Functions, opts)
}

// Functions verifies the given manifest entries.
func Functions(ctx context.Context, fns []manifest.Function, opts Options) ([]Result, error) {
	node, err := findNode(opts.Node, fns)
	if err != nil {
		return nil, err
	}
	runnerDir, err := os.MkdirTemp("", "zisi-verify-runner-")
	if err != nil {
		return nil, fmt.Errorf("create runner: %w", err)
	}
	defer os.RemoveAll(runnerDir)
	runner := filepath.Join(runnerDir, "runner.cjs")
	if err := os.WriteFile(runner, runnerSource, 0o644); err != nil {
		return nil, fmt.Errorf("create runner: %w", err)
	}
	par := opts.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	results := make([]Result, len(fns))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = check(ctx, fn, node, runner, opts)
		}()
	}
	wg.Wait()
	return results, ctx.Err()
}

func findNode(node string, fns []manifest.Function) (string, error) {
	needed := false
	for _, fn := range fns {
		needed = needed || fn.Runtime == "js"
	}
	if !needed {
		return "", nil
	}
	if node == "" {
		node = "node"
	}
	p, err := exec.LookPath(node)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not installed or not on PATH; verifying Node.js functions needs Node.js to load them", ErrNodeMissing, node)
	}
	return p, nil
}

func check(ctx context.Context, fn manifest.Function, node, runner string, opts Options) Result {
	res := Result{Name: fn.Name, Path: fn.Path, Runtime: fn.Runtime}
	var err error
	switch {
	case !strings.HasSuffix(fn.Path, ".zip"):
		err = errors.New("not a zip archive (directory output cannot be verified)")
	case fn.Runtime == "js":
		err = checkNode(ctx, fn, node, runner, opts, &res)
	default:
		err = checkBootstrap(fn.Path, opts.Arch)
	}
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.OK = true
	return res
}

func checkNode(ctx context.Context, fn manifest.Function, node, runner string, opts Options, res *Result) error {
	dir, err := os.MkdirTemp("", "zisi-verify-")
	if err != nil {
		return fmt.Errorf("create temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := Extract(fn.Path, dir); err != nil {
		return err
	}
	entry, mode, err := entryFile(dir, fn)
	if err != nil {
		return err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resultDir, err := os.MkdirTemp("", "zisi-verify-result-")
	if err != nil {
		return fmt.Errorf("create temporary directory: %w", err)
	}
	defer os.RemoveAll(resultDir)
	resultFile := filepath.Join(resultDir, "result.json")
	cmd := exec.CommandContext(cctx, node, runner, entry, mode, fn.Name, resultFile)
	cmd.Dir = dir
	// The Lambda runtime provides the AWS SDK, which archives leave out;
	// the runner borrows it from the site's own installation when there
	// is one.
	cmd.Env = append(os.Environ(), "ZISI_VERIFY_RUNTIME_FROM="+filepath.Dir(fn.MainFile))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	runErr := cmd.Run()
	result, _ := os.ReadFile(resultFile)
	var out struct {
		Stage      string `json:"stage"`
		Missing    bool   `json:"missing"`
		Error      string `json:"error"`
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(result, &out); err != nil {
		if cctx.Err() != nil {
			return fmt.Errorf("loading the function took longer than %s", timeout)
		}
		return fmt.Errorf("node exited without a result (%v): %s", runErr, strings.TrimSpace(stderr.String()))
	}
	res.StatusCode, res.Body = out.StatusCode, out.Body
	switch {
	case out.Stage == "ok":
		return nil
	case out.Missing:
		res.MissingModule = true
		return fmt.Errorf("%s", firstLines(out.Error, 6))
	case out.Stage == "handler":
		res.HandlerError = firstLines(out.Error, 3)
		return nil
	}
	return fmt.Errorf("%s", firstLines(out.Error, 6))
}

// entryFile picks the file the platform loads: the v2 entry point, or
// <stem>.js|.cjs|.mjs at the archive root for v1.
func entryFile(dir string, fn manifest.Function) (string, string, error) {
	if fn.BuildData.RuntimeAPIVersion == 2 {
		return filepath.Join(dir, "___netlify-entry-point.mjs"), "esm", nil
	}
	stem := strings.TrimSuffix(filepath.Base(fn.Path), ".zip")
	for _, ext := range []string{".js", ".cjs", ".mjs"} {
		p := filepath.Join(dir, stem+ext)
		if _, err := os.Stat(p); err == nil {
			mode := "cjs"
			if ext == ".mjs" {
				mode = "esm"
			}
			return p, mode, nil
		}
	}
	return "", "", fmt.Errorf("no entry file %s.js, %s.cjs or %s.mjs at the archive root", stem, stem, stem)
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// checkBootstrap requires an executable `bootstrap` built for Linux.
func checkBootstrap(path, arch string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("open %q: %w", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "bootstrap" {
			continue
		}
		if f.Mode()&0o111 == 0 {
			return fmt.Errorf("bootstrap is not executable (mode %s)", f.Mode())
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("read bootstrap: %w", err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("read bootstrap: %w", err)
		}
		info, err := binary.InspectReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if !info.IsLambda(arch) {
			return fmt.Errorf("bootstrap is a %s, not linux/%s", info, cmpOr(arch, "amd64"))
		}
		return nil
	}
	return errors.New("no bootstrap entry")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Extract unzips path into dir, refusing entries that would land outside
// it and recreating symlinks only when they point inside it.
func Extract(path, dir string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("open %q: %w", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if err := archive.ValidateName(f.Name); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		dest := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			target := filepath.Join(filepath.Dir(dest), string(data))
			if rel, err := filepath.Rel(dir, target); err != nil || strings.HasPrefix(rel, "..") {
				return fmt.Errorf("%s: symlink %s points outside the archive", path, f.Name)
			}
			if err := os.Symlink(string(data), dest); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(dest, data, f.Mode().Perm()|0o200); err != nil {
			return err
		}
	}
	return nil
}
