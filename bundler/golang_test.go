package bundler

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/binary"
	"github.com/zisi-build/zisi/internal/golang"
	"github.com/zisi-build/zisi/internal/proctest"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
	"github.com/zisi-build/zisi/manifest"
)

// goFixture is fixtures/go's functions folder.
func goFixture(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "fixtures", "go", "netlify", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hostArch is the go_arch whose binaries this machine can run.
func hostArch(t *testing.T) string {
	t.Helper()
	if !slices.Contains(config.GoArches, runtime.GOARCH) {
		t.Skipf("functions cannot be built for this machine's %s to run here", runtime.GOARCH)
	}
	return runtime.GOARCH
}

// unzipEntry extracts one entry of a zip into dir, keeping its mode.
func unzipEntry(t *testing.T, zipPath, name, dir string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		out := filepath.Join(dir, name)
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("%s has no %s", zipPath, name)
	return ""
}

// fakeRuntimeAPI is the part of the Lambda Runtime API a function uses:
// it hands out one invocation and records the function's answer.
type fakeRuntimeAPI struct {
	event    []byte
	response chan []byte
}

func (f *fakeRuntimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix+"next":
		if f.event == nil { // one invocation only; park later polls
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:hello-go")
		w.Write(f.event)
		f.event = nil
	case r.Method == http.MethodPost && r.URL.Path == prefix+"req-1/response":
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		f.response <- body
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/error"):
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		f.response <- append([]byte("error: "), body...)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

// The built bootstrap is a working Lambda function: run against a Runtime
// API on loopback, it takes an API Gateway event and answers it.
func TestGoFunctionAnswersThroughRuntimeAPI(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{goFixture(t)}, out, Options{GoArch: arch})
	if err != nil {
		t.Fatal(err)
	}
	var hello *FunctionResult
	for i := range rep.Functions {
		if rep.Functions[i].Name == "hello-go" {
			hello = &rep.Functions[i]
		}
	}
	if hello == nil || hello.Runtime != "go" || hello.EntryFilename != "bootstrap" {
		t.Fatalf("hello-go result %+v", hello)
	}
	bootstrap := unzipEntry(t, hello.Path, "bootstrap", t.TempDir())

	api := &fakeRuntimeAPI{response: make(chan []byte, 1)}
	api.event, _ = json.Marshal(map[string]any{
		"httpMethod": "GET", "path": "/.netlify/functions/hello-go",
		"queryStringParameters": map[string]string{"name": "zisi"},
	})
	srv := httptest.NewServer(api)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	var stderr strings.Builder
	// ETXTBSY: a parallel test's fork can still hold the file's write
	// descriptor for a moment after it was written (golang/go#22315).
	for attempt := 0; ; attempt++ {
		cmd = exec.CommandContext(ctx, bootstrap)
		cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"), "AWS_LAMBDA_FUNCTION_NAME=hello-go"}
		cmd.Stderr = &stderr
		err := cmd.Start()
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ETXTBSY) || attempt == 50 {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var body []byte
	select {
	case body = <-api.response:
	case <-ctx.Done():
		t.Fatalf("no answer from the function: %s", stderr.String())
	}
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/json" {
		t.Errorf("answer %s", body)
	}
	if want := `{"message":"hello, zisi","method":"GET","path":"/.netlify/functions/hello-go"}`; resp.Body != want {
		t.Errorf("body %s, want %s", resp.Body, want)
	}
}

func goHashes(t *testing.T, src string) map[string]string { return archiveHashes(t, src, t.TempDir()) }

// -trimpath and -buildvcs=false make the binary depend on the sources
// only: builds in place and from copies elsewhere are byte-identical.
func TestGoBuildsAreByteIdentical(t *testing.T) {
	t.Parallel()
	src := goFixture(t)
	a, b := t.TempDir(), filepath.Join(t.TempDir(), "deeper", "site")
	copySite(t, src, a, false)
	copySite(t, src, b, true)
	first := goHashes(t, src)
	if len(first) != 4 {
		t.Fatalf("archives %v, want the 4 functions of fixtures/go", first)
	}
	for name, h := range map[string]map[string]string{"again": goHashes(t, src), "copy": goHashes(t, a), "reversed copy": goHashes(t, b)} {
		if fmt.Sprint(h) != fmt.Sprint(first) {
			t.Errorf("%s: %v, first build %v", name, h, first)
		}
	}
}

// zisi verify accepts what Go builds produce, for the architecture asked
// for, and refuses a bootstrap for another one.
func TestGoArchivesPassVerifyForTheirArch(t *testing.T) {
	t.Parallel()
	for _, arch := range config.GoArches {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			cfg := &config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{GoArch: arch}}}}
			rep, err := ZipFunctions(t.Context(), []string{goFixture(t)}, out, Options{Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Functions {
				data := unzipEntry(t, r.Path, "bootstrap", t.TempDir())
				info, err := binary.Inspect(data)
				if err != nil || !info.IsLambda(arch) || info.Runtime != binary.RuntimeGo {
					t.Errorf("%s: bootstrap is %v (%v), want a go binary for linux/%s", r.Name, info, err, arch)
				}
				if r.Config.GoArch != arch {
					t.Errorf("%s: result config goArch %q", r.Name, r.Config.GoArch)
				}
			}
			results, err := verify.Dir(t.Context(), out, verify.Options{Arch: arch})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if !r.OK {
					t.Errorf("verify %s: %s", r.Name, r.Error)
				}
			}
			other := "amd64"
			if arch == other {
				other = "arm64"
			}
			results, err = verify.Dir(t.Context(), out, verify.Options{Arch: other})
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 4 || results[0].OK || !strings.Contains(results[0].Error, "linux/"+arch) {
				t.Errorf("verify for %s accepted %s bootstraps: %+v", other, arch, results)
			}
		})
	}
}

// The reference runs `go build -o <relative dest>` in the function's
// folder and then cannot find the binary; zisi works with relative
// source and destination paths.
func TestGoRelativeDestination(t *testing.T) {
	dir := t.TempDir()
	copySite(t, filepath.Join(goFixture(t), "named"), filepath.Join(dir, "fns", "named"), false)
	t.Chdir(dir)
	rep, err := ZipFunctions(t.Context(), []string{"fns"}, filepath.Join("out", "fns"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Functions) != 1 || rep.Functions[0].Path != filepath.Join("out", "fns", "named.zip") {
		t.Fatalf("results %+v", rep.Functions)
	}
	if names := zipNames(t, filepath.Join(dir, "out", "fns", "named.zip")); !slices.Equal(names, []string{"bootstrap", "netlify-toolchain"}) {
		t.Errorf("entries %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "fns", "named", "out")); err == nil {
		t.Errorf("the binary went into the function's folder, as the reference's does")
	}
	m, err := os.ReadFile(filepath.Join(dir, "out", "fns", "manifest.json"))
	if err != nil || !strings.Contains(string(m), `"path":"`+filepath.Join(dir, "out", "fns", "named.zip")+`"`) {
		t.Errorf("manifest %s (%v): paths must be absolute", m, err)
	}
}

// A compile error fails that function only, with the compiler's
// file:line message; the other functions (Go and Node.js) are built and
// an existing manifest is left as it was.
func TestGoBuildFailure(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"hello.js":     "exports.handler = async () => ({ statusCode: 200 })\n",
		"good/go.mod":  "module example.com/good\n\ngo 1.22\n",
		"good/main.go": "package main\n\nfunc main() {}\n",
		"bad/go.mod":   "module example.com/bad\n\ngo 1.22\n",
		"bad/main.go":  "package main\n\nfunc main() {\n\tundefinedThing()\n}\n",
	})
	testfs.Write(t, out, map[string]string{"manifest.json": "previous"})
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 {
		t.Fatalf("got %v, want one failed function", err)
	}
	f := be.Failures[0]
	if f.Name != "bad" || f.Runtime != "go" || !errors.Is(err, golang.ErrCompile) {
		t.Errorf("failure %+v", f)
	}
	for _, want := range []string{`function "bad" (go)`, filepath.Join(src, "bad"), "./main.go:4:2: undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(rep.Functions) != 2 {
		t.Errorf("built %d functions, want good and hello", len(rep.Functions))
	}
	if _, err := os.Stat(filepath.Join(out, "bad.zip")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bad.zip exists (%v)", err)
	}
	if m, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(m) != "previous" {
		t.Errorf("manifest changed to %s", m)
	}
}

// Module problems are found before the compiler runs and say what to do.
func TestGoModuleProblems(t *testing.T) {
	t.Parallel()
	lambdaMain := "package main\n\nimport \"github.com/aws/aws-lambda-go/lambda\"\n\nfunc main() { lambda.Start(func() error { return nil }) }\n"
	cases := []struct {
		name   string
		files  map[string]string
		env    []string
		target error
		want   []string
	}{
		{"no-gomod", map[string]string{"main.go": "package main\n\nfunc main() {}\n"}, nil,
			golang.ErrNoModule, []string{`function "no-gomod" (go)`, "go mod init"}},
		{"bad-gomod", map[string]string{"go.mod": "module example.com/x\ngo one\n", "main.go": "package main\n"}, nil,
			golang.ErrModule, []string{"go.mod:2"}},
		{"future-go", map[string]string{"go.mod": "module example.com/x\n\ngo 1.99\n", "main.go": "package main\n\nfunc main() {}\n"}, []string{"GOTOOLCHAIN=local"},
			golang.ErrGoVersion, []string{"requires go 1.99", "install Go 1.99 or newer", "GOTOOLCHAIN=auto"}},
		{"no-gosum", map[string]string{"go.mod": "module example.com/x\n\ngo 1.22\n\nrequire github.com/aws/aws-lambda-go v1.50.0\n", "main.go": lambdaMain}, nil,
			golang.ErrCompile, []string{"missing go.sum entry", "hint:", "run `go mod tidy` in"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := t.TempDir()
			testfs.Write(t, filepath.Join(src, c.name), c.files)
			_, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{Env: append(os.Environ(), c.env...)})
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

// The vendored fixture's dependency exists nowhere but in vendor/: with
// GOFLAGS=-mod=mod and no proxy, plain go build fails, zisi's
// -mod=vendor build succeeds.
func TestGoVendorFolder(t *testing.T) {
	t.Parallel()
	fn := filepath.Join(goFixture(t), "vendored")
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	plain := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "x"), ".")
	plain.Dir, plain.Env = fn, env
	if out, err := plain.CombinedOutput(); err == nil {
		t.Fatalf("plain go build succeeded, so this test proves nothing: %s", out)
	}
	out := t.TempDir()
	if _, err := ZipFunction(t.Context(), fn, out, Options{Env: env}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "vendored.zip")); err != nil {
		t.Error(err)
	}
}

// A go.work above the function is honored: the function imports a module
// that only the workspace provides. With GOWORK=off the build fails.
func TestGoWorkspace(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	testfs.Write(t, ws, map[string]string{
		"go.work":                    "go 1.22\n\nuse (\n\t./functions/uses-lib\n\t./lib\n)\n",
		"lib/go.mod":                 "module example.com/lib\n\ngo 1.22\n",
		"lib/lib.go":                 "package lib\n\nfunc Answer() int { return 42 }\n",
		"functions/uses-lib/go.mod":  "module example.com/uses-lib\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n",
		"functions/uses-lib/main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Answer()) }\n",
	})
	src := filepath.Join(ws, "functions")
	if _, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{}); err != nil {
		t.Fatalf("workspace build: %v", err)
	}
	_, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{Env: append(os.Environ(), "GOWORK=off", "GOPROXY=off")})
	if !errors.Is(err, golang.ErrCompile) {
		t.Errorf("GOWORK=off: got %v, want a compile error", err)
	}
}

// Prebuilt binaries: a Rust-style binary becomes bootstrap with the rs
// toolchain; a binary for another architecture is reported with what was
// found, and built once go_arch asks for that architecture.
func TestPrebuiltRustAndWrongPlatform(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"r.c": "void rust_eh_personality(void) {}\nint main(void) { rust_eh_personality(); return 0; }\n"})
	if out, err := exec.Command("gcc", "-o", filepath.Join(src, "rusty"), filepath.Join(src, "r.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(src, "r.c"))
	mod := filepath.Join(t.TempDir(), "tiny")
	testfs.Write(t, mod, map[string]string{"go.mod": "module example.com/tiny\n\ngo 1.21\n", "main.go": "package main\n\nfunc main() {}\n"})
	cmd := exec.Command("go", "build", "-o", filepath.Join(src, "armbin"), ".")
	cmd.Dir, cmd.Env = mod, append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Functions) != 1 || rep.Functions[0].Name != "rusty" || rep.Functions[0].Runtime != "rs" {
		t.Fatalf("functions %+v", rep.Functions)
	}
	if ef := rep.Functions[0].EntryFilename; ef != "" {
		t.Errorf("entryFilename %q, want \"\" as the reference reports Rust binaries", ef)
	}
	tc := unzipEntry(t, rep.Functions[0].Path, "netlify-toolchain", t.TempDir())
	if data, _ := os.ReadFile(tc); string(data) != `{"runtime":"rs"}` {
		t.Errorf("netlify-toolchain %s", data)
	}
	var warned bool
	for _, w := range rep.Warnings {
		warned = warned || strings.Contains(w.String(), "armbin") && strings.Contains(w.String(), "go binary for linux/arm64") && strings.Contains(w.String(), "go_arch")
	}
	if !warned {
		t.Errorf("warnings %v lack the arm64 binary", rep.Warnings)
	}
	if _, err := os.Stat(filepath.Join(out, "armbin.zip")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("armbin.zip written for amd64 (%v)", err)
	}
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "arm*", Config: config.FunctionConfig{GoArch: "arm64"}}}}
	rep, err = ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rep.Functions {
		names = append(names, r.Name+":"+r.Runtime)
	}
	if !slices.Equal(names, []string{"armbin:go", "rusty:rs"}) {
		t.Errorf("with go_arch arm64 for arm*: %v", names)
	}
	m, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if _, err := manifest.Parse(m); err != nil {
		t.Error(err)
	}
}

// Cancelling a build while go compiles kills go and every compiler it
// started, removes the temporary folders (go's own work folder included)
// and writes no archive and no manifest.
func TestCanceledGoBuildKillsCompilers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to find the build's processes")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// An empty build cache makes go compile the standard library, which
	// takes long enough to cancel it midway.
	gocache := filepath.Join(t.TempDir(), "gocache-"+strconv.Itoa(os.Getpid()))
	out := filepath.Join(t.TempDir(), "out")
	testfs.Write(t, out, map[string]string{"manifest.json": "previous"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := ZipFunctions(ctx, []string{goFixture(t)}, out, Options{Env: append(os.Environ(), "GOCACHE="+gocache)})
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	// Cancel while the runtime package compiles: that takes long enough
	// that a compiler left running would still be there afterwards.
	for !strings.Contains(strings.Join(proctest.With(gocache), "\n"), " -p runtime ") {
		if time.Now().After(deadline) {
			t.Fatal("go never started compiling the runtime")
		}
		select {
		case err := <-done:
			t.Fatalf("the build ended before it could be cancelled: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the build did not stop within 30s of the cancel")
	}
	if left := proctest.With(gocache); len(left) > 0 {
		t.Errorf("processes left running: %q", left)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "manifest.json" {
		t.Errorf("output folder holds %v, want only the previous manifest", entries)
	}
	if m, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(m) != "previous" {
		t.Errorf("manifest changed to %s", m)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
