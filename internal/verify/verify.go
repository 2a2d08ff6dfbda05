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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/binary"
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
	// Invoke calls each handler with a test event after loading it. Off,
	// only the archive's modules run (their top-level code) and the
	// handler's shape is checked: verification runs no request.
	Invoke bool
	// AllowNetwork lets invoked functions reach hosts other than the
	// loopback; by default their DNS lookups and connections elsewhere
	// fail (best effort, see README).
	AllowNetwork bool
	// Env is KEY=VALUE variables passed to the functions on top of the
	// minimal environment (see Environ).
	Env []string
}

// passedEnv are the variables of zisi's own environment a verified
// function sees: nothing else of it (no deploy tokens, no API keys).
var passedEnv = []string{"PATH", "HOME", "TZ", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}

// Environ is the environment a verified function runs with: passedEnv
// from base (the process's environment when nil), the variables the
// Lambda runtime sets for a function (name, memory, region, task root),
// then extra, which wins.
func Environ(base []string, name, taskRoot string, extra []string) []string {
	if base == nil {
		base = os.Environ()
	}
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(passedEnv, k) {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_REGION=us-east-1",
		"LAMBDA_TASK_ROOT="+taskRoot,
	)
	return append(env, extra...)
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
	// HandlerError is an exception thrown by the handler with the minimal
	// event after the function's own code ran; it does not fail
	// verification (the code loaded and ran). A throw before the
	// function's code ran (an incompatible v2 bootstrap) is an Error.
	HandlerError string `json:"handlerError,omitempty"`
	// HandlerFrame is where in the function's code HandlerError was
	// thrown ("netlify/functions/hello.mjs:3:9"), when its stack says.
	HandlerFrame string `json:"handlerFrame,omitempty"`
	// Note says why the handler was not called (a v2 function with only
	// event handlers).
	Note string `json:"note,omitempty"`
	// BootstrapVersion is the @netlify/serverless-functions-api version a
	// v2 archive's ___netlify-metadata.json names.
	BootstrapVersion string `json:"bootstrapVersion,omitempty"`
	// Invoked says the handler was called (Options.Invoke); StatusCode
	// and Body are its answer.
	Invoked    bool   `json:"invoked,omitempty"`
	StatusCode int    `json:"statusCode,omitempty"`
	Body       string `json:"body,omitempty"`
}

// Dir verifies every function of the build whose manifest.json is in dir.
// Results follow the manifest's order.
func Dir(ctx context.Context, dir string, opts Options) ([]Result, error) {
	p := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no manifest.json; build into it first (zisi build … %s)", ErrNothingToVerify, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(m.Functions) == 0 {
		return nil, fmt.Errorf("%w: %s lists no functions; an empty deploy is rarely meant (check the build's source folders)", ErrNothingToVerify, p)
	}
	return Functions(ctx, m.Functions, opts)
}

// ErrNothingToVerify means a build output has no manifest, or a manifest
// with no functions.
var ErrNothingToVerify = errors.New("nothing to verify")

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
		// A done ctx starts no more checks; the ones left say so.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < len(fns); j++ {
				results[j] = Result{Name: fns[j].Name, Path: fns[j].Path, Runtime: fns[j].Runtime, Error: fmt.Sprintf("not verified: %v", ctx.Err())}
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
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
	api := "1"
	if fn.BuildData.RuntimeAPIVersion == 2 {
		api = "2"
		res.BootstrapVersion = bootstrapVersion(dir)
	}
	call, network := "load", "offline"
	if opts.Invoke {
		call = "invoke"
	}
	if opts.AllowNetwork {
		network = "online"
	}
	cmd := exec.CommandContext(cctx, node, runner, entry, mode, fn.Name, resultFile, api, call, network)
	cmd.Dir = dir
	// The Lambda runtime provides the AWS SDK, which archives leave out;
	// the runner borrows it from the site's own installation when there
	// is one.
	cmd.Env = append(Environ(nil, fn.Name, dir, opts.Env), "ZISI_VERIFY_RUNTIME_FROM="+filepath.Dir(fn.MainFile))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	runErr := cmd.Run()
	result, _ := os.ReadFile(resultFile)
	var out runnerResult
	if err := json.Unmarshal(result, &out); err != nil {
		if cctx.Err() != nil {
			return fmt.Errorf("loading the function took longer than %s", timeout)
		}
		return fmt.Errorf("node exited without a result (%v): %s", runErr, strings.TrimSpace(stderr.String()))
	}
	res.StatusCode, res.Body, res.Note, res.Invoked = out.StatusCode, out.Body, out.Note, out.Invoked
	switch {
	case out.Stage == "ok":
		return nil
	case out.Missing:
		res.MissingModule = true
		return fmt.Errorf("%s", firstLines(out.Error, 6))
	case out.Stage == "handler":
		frame, ok := out.functionRan()
		if !ok {
			return out.threwBeforeCode(api == "2", res.BootstrapVersion)
		}
		res.HandlerError, res.HandlerFrame = firstLines(out.Error, 3), frame
		return nil
	}
	return fmt.Errorf("%s", firstLines(out.Error, 6))
}

// runnerResult is what runner.cjs writes: the facts of one load and call.
type runnerResult struct {
	// Stage is where it ended: "load" (the entry or main module failed to
	// load), "shape" (no handler to call), "handler" (the call threw),
	// "ok".
	Stage   string `json:"stage"`
	Missing bool   `json:"missing"`
	Error   string `json:"error"`
	// Frames are the thrown error's stack frames, innermost first.
	Frames []frame `json:"frames"`
	// Ran says whether any of the function's code ran during the call
	// (V8 coverage); nil when node could not measure it.
	Ran        *bool  `json:"ran"`
	Note       string `json:"note"`
	Invoked    bool   `json:"invoked"`
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

// frame is one stack frame: Loc is archive-relative ("lib/a.js:3:9") when
// Archive is set, else as node printed it ("node:internal/…:1:2").
type frame struct {
	Loc     string `json:"loc"`
	Archive bool   `json:"archive"`
}

// Files zisi adds to every v2 archive; the rest of an archive (the main
// file, its local files and the packages it ships) is the function's code.
const (
	entryPointName = "___netlify-entry-point.mjs"
	bootstrapName  = "___netlify-bootstrap.mjs"
	metadataName   = "___netlify-metadata.json"
)

func (f frame) file() string {
	file, _, _ := strings.Cut(f.Loc, ":")
	return file
}

func (f frame) functionCode() bool {
	switch f.file() {
	case entryPointName, bootstrapName, metadataName:
		return false
	}
	return f.Archive
}

// functionRan decides whether a throw from the handler came after the
// function's own code ran, which makes it the function's business with a
// test event rather than a broken archive. It did when the stack reaches
// a file of the function (a package's throw reached from the function's
// code has the function's frame too), or when V8 saw the function's code
// run during the call (an error built by node's net module after the
// function awaited a connection has only node's frames). frame is the
// function's innermost frame, when the stack has one.
func (r runnerResult) functionRan() (frame string, ok bool) {
	for _, f := range r.Frames {
		if f.functionCode() {
			return f.Loc, true
		}
	}
	switch {
	case r.Ran != nil:
		return "", *r.Ran
	default:
		// Without coverage only the stack can tell; a thrown non-Error
		// has none, and then the old rule (the code loaded) stands.
		return "", len(r.Frames) == 0
	}
}

// threwBeforeCode explains a throw that never reached the function's
// code: for v2 archives, that is the bootstrap failing to call it.
func (r runnerResult) threwBeforeCode(v2 bool, version string) error {
	msg := firstLines(r.Error, 1)
	if at := r.where(); at != "" {
		msg += " (at " + at + ")"
	}
	when := "before the function's code ran"
	if r.Ran == nil {
		when = "and its stack never reaches the function's code"
	}
	if !v2 || !slices.ContainsFunc(r.Frames, func(f frame) bool { return f.Archive && f.file() == bootstrapName }) {
		return fmt.Errorf("the handler threw %s: %s", when, msg)
	}
	shipped := "no " + metadataName + " says which version"
	if version != "" {
		shipped = "version " + version + " from " + metadataName
	}
	return fmt.Errorf("the v2 bootstrap threw %s: %s; the archive ships an incompatible @netlify/serverless-functions-api (%s); rebuild with zisi", when, msg, shipped)
}

// where is the innermost frame in the archive, else the innermost frame.
func (r runnerResult) where() string {
	for _, f := range r.Frames {
		if f.Archive {
			return f.Loc
		}
	}
	if len(r.Frames) > 0 {
		return r.Frames[0].Loc
	}
	return ""
}

// bootstrapVersion reads bootstrap_version from a v2 archive's metadata
// file; "" when there is none.
func bootstrapVersion(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, metadataName))
	if err != nil {
		return ""
	}
	var m struct {
		BootstrapVersion string `json:"bootstrap_version"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.BootstrapVersion
}

// entryFile picks the file the platform loads, and how: the v2 entry
// point, or <stem>.js|.cjs|.mjs at the archive root for v1, loaded as ESM
// when it is .mjs or a .js beside a "type": "module" package.json, as
// Node.js would (an ESM entry with top-level await cannot be required).
func entryFile(dir string, fn manifest.Function) (string, string, error) {
	if fn.BuildData.RuntimeAPIVersion == 2 {
		return filepath.Join(dir, entryPointName), "esm", nil
	}
	stem := strings.TrimSuffix(filepath.Base(fn.Path), ".zip")
	for _, ext := range []string{".js", ".cjs", ".mjs"} {
		p := filepath.Join(dir, stem+ext)
		if _, err := os.Stat(p); err == nil {
			mode := "cjs"
			if ext == ".mjs" || (ext == ".js" && moduleScope(dir)) {
				mode = "esm"
			}
			return p, mode, nil
		}
	}
	return "", "", fmt.Errorf("no entry file %s.js, %s.cjs or %s.mjs at the archive root", stem, stem, stem)
}

// moduleScope reports whether dir's package.json says "type": "module".
func moduleScope(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return false
	}
	var pj struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &pj) == nil && pj.Type == "module"
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
