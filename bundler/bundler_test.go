package bundler

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/manifest"
)

const handler = "exports.handler = async () => ({ statusCode: 200 });\n"

func TestFailureKeepsOthersAndOldManifest(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"ok.js": handler, "later.js": handler})
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{}); err != nil {
		t.Fatal(err)
	}
	oldManifest, _ := os.ReadFile(filepath.Join(out, "manifest.json"))

	// A TypeScript function with a syntax error fails in esbuild; the
	// others are still built, and the manifest stays as it was.
	testfs.Write(t, src, map[string]string{"typed.ts": "export const handler = async () => ({)\n", "ok.js": handler + "// changed\n"})
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 {
		t.Fatalf("got %v, want a BuildError with one failure", err)
	}
	f := be.Failures[0]
	if f.Name != "typed" || f.Runtime != "js" || f.Bundler != "esbuild" || !strings.Contains(f.Error(), `function "typed" (js, esbuild)`) ||
		!strings.Contains(f.Error(), "typed.ts:1:") {
		t.Errorf("failure = %+v (%v)", f, f)
	}
	if len(rep.Functions) != 2 || rep.Manifest != "" {
		t.Errorf("report: %d functions, manifest %q", len(rep.Functions), rep.Manifest)
	}
	newManifest, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !bytes.Equal(oldManifest, newManifest) {
		t.Error("the manifest changed although a function failed")
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"later.zip", "manifest.json", "ok.zip"}) {
		t.Errorf("out holds %q: no typed.zip and no temp files expected", names)
	}
}

func TestOutputCollisionFailsBoth(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	// Directory my.func/ (name "my") and file my.func.js (name "my.func")
	// would both write my.func.zip.
	testfs.Write(t, src, map[string]string{"my.func/my.func.js": handler, "my.func.js": handler, "fine.js": handler})
	rep, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{})
	if !errors.Is(err, ErrNameCollision) || len(rep.Failures) != 2 || len(rep.Functions) != 1 {
		t.Fatalf("got %v with %d failures, %d built", err, len(rep.Failures), len(rep.Functions))
	}
}

func TestReservedName(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"___netlify-entry-point.js": handler})
	_, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{})
	if !errors.Is(err, ErrReservedName) || !strings.Contains(err.Error(), "is a reserved word") {
		t.Fatalf("got %v", err)
	}
}

func TestDestinationInsideSource(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler})
	for _, dest := range []string{src, filepath.Join(src, "out")} {
		if _, err := ZipFunctions(t.Context(), []string{src}, dest, Options{}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("dest %s: got %v", dest, err)
		}
	}
	if _, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{ArchiveFormat: "tar"}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("archive format tar: got %v", err)
	}
}

func TestRelativeDestinationAndManifestPath(t *testing.T) {
	// Not parallel: it uses a relative path, which depends on the working
	// directory; t.Chdir restores it.
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{"fns/a.js": handler})
	t.Chdir(root)
	rep, err := ZipFunctions(t.Context(), []string{"fns"}, "out", Options{ManifestPath: "meta/m.json"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Functions[0].Path != filepath.Join("out", "a.zip") {
		t.Errorf("result path %q: relative destination stays relative", rep.Functions[0].Path)
	}
	data, err := os.ReadFile(filepath.Join(root, "meta/m.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Functions[0].Path != filepath.Join(root, "out", "a.zip") || !filepath.IsAbs(m.Functions[0].MainFile) {
		t.Errorf("manifest paths must be absolute: %+v", m.Functions[0])
	}
}

func TestZipFunction(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"api/index.js": handler, "api/lib.js": "", "notes.txt": "x"})
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "api", Config: config.FunctionConfig{Name: "The API"}}}}
	res, err := ZipFunction(t.Context(), filepath.Join(src, "api"), out, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != "api" || res.DisplayName != "The API" || res.EntryFilename != "api.js" || res.Size == 0 {
		t.Errorf("result %+v", res)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("ZipFunction must not write a manifest")
	}
	if _, err := ZipFunction(t.Context(), filepath.Join(src, "notes.txt"), out, Options{}); !errors.Is(err, ErrNotFunction) {
		t.Errorf("notes.txt: got %v", err)
	}
}

func TestListings(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler, "a.ts": "", "dir/index.js": handler, "dir/util.js": "", "dir/.env": "SECRET=1"})
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{Schedule: "@daily", NodeBundler: "zisi"}}}}
	// A folder that was asked for and is missing is an error; an
	// optional one is skipped.
	if _, err := ListFunctions(t.Context(), []string{src, filepath.Join(src, "missing")}, Options{Config: cfg}); !errors.Is(err, ErrNoSourceFolder) {
		t.Errorf("missing folder: %v, want ErrNoSourceFolder", err)
	}
	l, err := ListSources(t.Context(), Sources{User: SourceSet{Directories: []string{src, filepath.Join(src, "missing")}}, Optional: []string{filepath.Join(src, "missing")}}, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range l.Functions {
		got = append(got, f.Name+" "+filepath.Base(f.MainFile)+" "+f.Schedule)
	}
	// listFunctions does not deduplicate (reference §1.4).
	if want := []string{"a a.ts @daily", "a a.js @daily", "dir index.js @daily"}; !slices.Equal(got, want) {
		t.Errorf("list: got %q, want %q", got, want)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("warnings %v", l.Warnings)
	}
	fl, err := ListFunctionsFiles(t.Context(), []string{src}, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, f := range fl.Files {
		rel, _ := filepath.Rel(src, f.SrcFile)
		got = append(got, f.Name+" "+rel+" "+f.Extension)
	}
	if want := []string{"a a.ts .ts", "a a.js .js", "dir dir/index.js .js", "dir dir/util.js .js"}; !slices.Equal(got, want) {
		t.Errorf("files: got %q, want %q", got, want)
	}
	data, _ := json.Marshal(fl.Files[0])
	if !strings.Contains(string(data), `"srcFile":`) || !strings.Contains(string(data), `"schedule":"@daily"`) {
		t.Errorf("json %s", data)
	}
}

func TestPrebuiltBinaryIsZippedAsBootstrap(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	mod := filepath.Join(t.TempDir(), "tiny")
	testfs.Write(t, mod, map[string]string{"go.mod": "module example.com/tiny\n\ngo 1.21\n", "main.go": "package main\n\nfunc main() {}\n"})
	cmd := exec.Command("go", "build", "-o", filepath.Join(src, "gobin"), ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	os.Chmod(filepath.Join(src, "gobin"), 0o644) // even without +x, bootstrap must be executable
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Functions[0]
	if r.Runtime != "go" || r.EntryFilename != "bootstrap" || filepath.Base(r.Path) != "gobin.zip" {
		t.Fatalf("result %+v", r)
	}
	zr, err := zip.OpenReader(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode() != 0o755 || zr.File[1].Name != "netlify-toolchain" {
		t.Fatalf("entries %v", zr.File)
	}
	rc, _ := zr.File[1].Open()
	toolchain, _ := io.ReadAll(rc)
	if string(toolchain) != `{"runtime":"go"}` {
		t.Errorf("netlify-toolchain = %s", toolchain)
	}
	m, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !strings.Contains(string(m), `"buildData":{},"mainFile"`) || strings.Contains(string(m), "priority") {
		t.Errorf("manifest %s: Go entries have buildData {} and no priority", m)
	}
}

func TestResultJSONKeyOrder(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"hello-background.js": handler})
	rep, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{NodeVersion: "22"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(rep.Functions[0])
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	want := []string{"bundler", "bundlerReason", "config", "entryFilename", "inputs", "includedFiles", "invocationMode",
		"outputModuleFormat", "path", "priority", "runtimeVersion", "mainFile", "name", "runtime", "size", "runtimeAPIVersion", "buildData"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys:\n got  %q\n want %q", keys, want)
	}
	if r := rep.Functions[0]; r.InvocationMode != "background" || r.RuntimeVersion != "nodejs22.x" {
		t.Errorf("invocationMode %q runtimeVersion %q", r.InvocationMode, r.RuntimeVersion)
	}
}

func TestCanceledBuildLeavesNothing(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("f%02d.js", i)] = handler
	}
	testfs.Write(t, src, files)
	testfs.Write(t, out, map[string]string{"manifest.json": "old"})
	// Canceled before starting: nothing is written.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ZipFunctions(ctx, []string{src}, out, Options{Parallel: 2}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "manifest.json" {
		t.Errorf("out holds %v: a canceled build must add nothing", entries)
	}
	// Canceled mid-build (after the third function): the rest are not
	// started, and nothing replaces the previous outputs: the finished
	// archives were staged and are removed with the staging folder.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	rep, err := ZipFunctions(ctx, []string{src}, out, Options{Parallel: 1, Progress: func(done, _ int, _ string) {
		if done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || rep == nil || rep.Manifest != "" || len(rep.Functions) >= 20 {
		t.Fatalf("got %v, report %+v", err, rep)
	}
	entries, _ = os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "manifest.json" {
		t.Errorf("out holds %v: a canceled build must add nothing", entries)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(data) != "old" {
		t.Errorf("manifest changed to %q", data)
	}
}

func TestRuntimeVersionAndInvocationMode(t *testing.T) {
	t.Parallel()
	yes := true
	rv := []struct {
		api     int
		version string
		want    string
	}{
		{1, "", ""}, {1, "18.x", "nodejs18.x"}, {1, "v22.1.0", "nodejs22.x"}, {1, "16", ""}, {1, "26", ""},
		{2, "", "nodejs24.x"}, {2, "latest", "nodejs24.x"}, {2, "16", "nodejs24.x"}, {2, "20", "nodejs20.x"}, {2, "26", ""},
	}
	for _, c := range rv {
		if got := runtimeVersion(c.api, c.version); got != c.want {
			t.Errorf("runtimeVersion(v%d, %q) = %q, want %q", c.api, c.version, got, c.want)
		}
	}
	im := []struct {
		name, fromSource string
		api              int
		cfg              config.FunctionConfig
		want             string
	}{
		{"f", "", 1, config.FunctionConfig{}, ""},
		{"f", "stream", 1, config.FunctionConfig{}, "stream"},
		{"f-background", "stream", 1, config.FunctionConfig{}, "background"},
		{"f", "", 1, config.FunctionConfig{Background: &yes}, "background"},
		{"f", "", 2, config.FunctionConfig{}, "stream"},
		{"f-background", "", 2, config.FunctionConfig{}, "background"},
		{"f", "background", 2, config.FunctionConfig{}, "background"},
	}
	for _, c := range im {
		if got := invocationMode(c.name, c.api, c.fromSource, c.cfg); got != c.want {
			t.Errorf("invocationMode(%s, v%d, %q, %+v) = %q, want %q", c.name, c.api, c.fromSource, c.cfg, got, c.want)
		}
	}
}

func TestTrafficRules(t *testing.T) {
	t.Parallel()
	got, _ := json.Marshal(trafficRules(&config.RateLimit{WindowLimit: 10, WindowSize: 60}))
	want := `{"action":{"type":"rate_limit","config":{"rateLimitConfig":{"windowLimit":10,"windowSize":60,"algorithm":"sliding_window"},"aggregate":{"keys":[{"type":"domain"}]}}}}`
	if string(got) != want {
		t.Errorf("defaults:\n got %s\nwant %s", got, want)
	}
	got, _ = json.Marshal(trafficRules(&config.RateLimit{Action: "rewrite", To: "/slow", Algorithm: "sliding_window", WindowLimit: 1, WindowSize: 2, AggregateBy: []string{"ip", "domain"}}))
	want = `{"action":{"type":"rewrite","config":{"to":"/slow","rateLimitConfig":{"windowLimit":1,"windowSize":2,"algorithm":"sliding_window"},"aggregate":{"keys":[{"type":"ip"},{"type":"domain"}]}}}}`
	if string(got) != want {
		t.Errorf("rewrite:\n got %s\nwant %s", got, want)
	}
	if trafficRules(nil) != nil {
		t.Error("no rateLimit must give no rules")
	}
}

// TestEsbuildFallsBackToZisi: node_bundler = "esbuild" in netlify.toml is
// esbuild with the zisi bundler as fallback; esbuild's errors are kept on
// the result, with their location.
func TestEsbuildFallsBackToZisi(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"fn.js":      "const text = require('./notes.yaml');\nexports.handler = async () => ({ statusCode: 200, body: String(text) });\n",
		"notes.yaml": "hello: world\n",
		"plain.js":   handler,
	})
	cfg, err := config.Parse(filepath.Join(src, "netlify.toml"), []byte("[functions]\nnode_bundler = \"esbuild\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Config: &cfg.Functions})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]FunctionResult{}
	for _, r := range rep.Functions {
		byName[r.Name] = r
	}
	fb, plain := byName["fn"], byName["plain"]
	if fb.Bundler != "zisi" || fb.BundlerReason != "config-override" || len(fb.BundlerErrors) != 1 {
		t.Fatalf("fallback result: bundler %s reason %s errors %+v", fb.Bundler, fb.BundlerReason, fb.BundlerErrors)
	}
	e := fb.BundlerErrors[0]
	if e.Location == nil || filepath.Base(e.Location.File) != "fn.js" || e.Location.Line != 1 || !strings.Contains(e.Text, ".yaml") {
		t.Errorf("esbuild error lost its location: %+v %+v", e, e.Location)
	}
	if plain.Bundler != "esbuild" || plain.BundlerErrors != nil {
		t.Errorf("plain: bundler %s errors %+v", plain.Bundler, plain.BundlerErrors)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w Warning) bool {
		return w.Function == "fn" && strings.Contains(w.Message, "zisi bundler shipped it instead")
	}) {
		t.Errorf("the fallback must be reported as a warning: %+v", rep.Warnings)
	}
}

// TestInSourceConfigError fails the function with the reference's message
// and builds the others.
func TestInSourceConfigError(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"bad.mjs": "export default async () => new Response('')\nexport const config = { path: 'no-slash' }\n",
		"ok.js":   handler,
	})
	_, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 {
		t.Fatalf("got %v", err)
	}
	msg := be.Failures[0].Error()
	if !strings.Contains(msg, `Function bad has a configuration error on 'path': Must start with a '/'`) || !strings.Contains(msg, "bad.mjs") {
		t.Errorf("message: %s", msg)
	}
}

// TestTracedMissingPackageHint: a traced function importing a package
// package.json lists but node_modules lacks is told to run the install;
// one nothing lists, to add it.
func TestTracedMissingPackageHint(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"package.json":    `{"name":"s","dependencies":{"left-pad":"1.3.0"}}`,
		"fns/listed.mjs":  "import lp from 'left-pad'\nexport default async () => new Response(lp('a', 3))\n",
		"fns/missing.mjs": "import x from 'not-listed'\nexport default async () => new Response(x)\n",
	})
	rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, t.TempDir(), Options{BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"listed":  "package.json lists it but it is not installed; run npm install",
		"missing": "add it to dependencies in " + filepath.Join(site, "package.json"),
	}
	for _, w := range rep.Warnings {
		if s, ok := want[w.Function]; ok && strings.Contains(w.Message, s) {
			delete(want, w.Function)
		}
	}
	if len(want) > 0 {
		t.Errorf("no hint for %v in %v", want, rep.Warnings)
	}
}

// TestEsbuildMissingPackageHint: esbuild's "Could not resolve" gets the
// same install hint.
func TestEsbuildMissingPackageHint(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"package.json": `{"name":"s","dependencies":{"left-pad":"1.3.0"}}`,
		"fns/cjs.ts":   "import lp from 'left-pad'\nexport const handler = async () => ({ statusCode: 200, body: lp('a', 3) })\n",
	})
	_, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, t.TempDir(), Options{BasePath: site})
	if err == nil || !strings.Contains(err.Error(), `Could not resolve "left-pad"`) || !strings.Contains(err.Error(), "lists it but it is not installed; run npm install") {
		t.Errorf("err = %v", err)
	}
}
