package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

type runResult struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, &out, &errb)
	return runResult{code, out.String(), errb.String()}
}

func demoConfig(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../fixtures/demo/netlify.toml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const handler = "exports.handler = async () => ({ statusCode: 200 });\n"

func TestBuildDemo(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := run(t, "build", "--config", demoConfig(t), out)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"hello", "greet", "report-background", "built 5 functions into"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout without --json: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Error(err)
	}
}

func TestBuildJSONWithFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	src := filepath.Join(filepath.Dir(demoConfig(t)), "netlify", "functions")
	r := run(t, "build", src, out, "--json", "-q", "--archive-format", "none", "--parallel", "2")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var results []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, r.stdout)
	}
	if len(results) != 5 || results[0]["name"] != "hello" || results[0]["path"] != filepath.Join(out, "hello") {
		t.Errorf("results %v", results)
	}
	if r.stderr != "" {
		t.Errorf("--quiet printed %q", r.stderr)
	}
	if fi, err := os.Stat(filepath.Join(out, "hello", "hello.js")); err != nil || fi.IsDir() {
		t.Errorf("--archive-format none: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"build needs a destination folder":      {"build"},
		`--archive-format must be zip or none`:  {"build", "--archive-format", "tar", "out"},
		"--parallel must be a whole number":     {"build", "--parallel", "0", "out"},
		`--go-arch must be one of amd64, arm64`: {"build", "--go-arch", "386", "out"},
		"flag provided but not defined: -bogus": {"build", "--bogus", "out"},
		`unknown command "frobnicate"`:          {"frobnicate"},
		`--config "/nonexistent/netlify.toml"`:  {"build", "--config", "/nonexistent/netlify.toml", "out"},
	}
	for want, args := range cases {
		r := run(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", args, r.code, r.stderr, want)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"build", "--help"}, {"list", "--help"}, {"files", "--help"}, {"verify", "--help"}, {"version", "--help"}} {
		if r := run(t, args...); r.code != 0 || !strings.Contains(r.stdout, "USAGE") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "zisi dev (") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
}

func TestBuildFailureExitsOneAndKeepsEverything(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"ok.js": handler, "typed.ts": "export const handler = () => {\n"})
	testfs.Write(t, out, map[string]string{"manifest.json": `{"old":true}`})
	r := run(t, "build", src, out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`error: function "typed" (js, esbuild):`, "typed.ts:2:1: Unexpected end of file", "1 of 2 functions failed; nothing was published, manifest not written"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(data) != `{"old":true}` {
		t.Errorf("manifest changed: %s", data)
	}
	// The good function was built, but only into the staging folder: a
	// failed build replaces nothing.
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("a failed build left %v", entries)
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testfs.Write(t, dir, map[string]string{"netlify.toml": "[functions.\"api-*\"]\nnode_bundler = \"webpack\"\n"})
	r := run(t, "build", "--config", filepath.Join(dir, "netlify.toml"), filepath.Join(dir, "out"))
	want := `netlify.toml:2:1: functions."api-*".node_bundler: "webpack" is not one of zisi, esbuild, nft, none`
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("an invalid config must not create the destination")
	}
}

func TestMissingAndFileSourceFolders(t *testing.T) {
	// Changes the working directory: not parallel.
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// A mistyped folder is an error with a suggestion, and nothing is
	// written: no empty deploy.
	testfs.Write(t, dir, map[string]string{"netlify/functions/a.js": handler})
	r := run(t, "build", filepath.Join(dir, "netlify/function"), out)
	if r.code != 1 || !strings.Contains(r.stderr, "functions folder does not exist") || !strings.Contains(r.stderr, `did you mean "`+filepath.Join(dir, "netlify/functions")+`"?`) {
		t.Errorf("missing folder: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the destination was created for a missing source folder: %v", err)
	}
	// A site with no functions folder at all builds nothing, exit 0.
	empty := t.TempDir()
	t.Chdir(empty)
	r = run(t, "build", "out")
	data, err := os.ReadFile(filepath.Join(empty, "out", "manifest.json"))
	if r.code != 0 || err != nil || !strings.HasPrefix(string(data), `{"functions":[],"system":`) {
		t.Errorf("no functions folder: exit %d %q, manifest %s %v", r.code, r.stderr, data, err)
	}
	testfs.Write(t, dir, map[string]string{"file.js": handler})
	r = run(t, "build", filepath.Join(dir, "file.js"), out)
	if r.code != 1 || !strings.Contains(r.stderr, "source folder is not a directory") {
		t.Errorf("file as folder: exit %d %q", r.code, r.stderr)
	}
}

func TestListAndFiles(t *testing.T) {
	t.Parallel()
	cfg := demoConfig(t)
	r := run(t, "list", "--config", cfg)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "NAME") || !strings.Contains(r.stdout, "greet") {
		t.Errorf("list: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "files", "--json", "--config", cfg)
	var files []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &files); err != nil || r.code != 0 {
		t.Fatalf("files --json: %v %d\n%s", err, r.code, r.stdout)
	}
	count := map[string]int{}
	for _, f := range files {
		count[f["name"].(string)]++
	}
	if count["greet"] != 3 || count["hello"] != 1 || count["api"] != 2 {
		t.Errorf("files per function %v", count)
	}
}

func TestDefaultsFromWorkingDirectory(t *testing.T) {
	// Changes the working directory and environment: not parallel.
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml":           "[functions]\ndirectory = \"src/fns\"\n",
		"src/fns/hello.js":       handler,
		"netlify/functions/x.js": handler,
	})
	t.Chdir(site)
	t.Setenv("AWS_LAMBDA_JS_RUNTIME", "nodejs20.x")
	r := run(t, "build", "--json", "-q", "out")
	if r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	var results []map[string]any
	json.Unmarshal([]byte(r.stdout), &results)
	if len(results) != 1 || results[0]["name"] != "hello" || results[0]["runtimeVersion"] != "nodejs20.x" {
		t.Errorf("results %v: netlify.toml's directory and AWS_LAMBDA_JS_RUNTIME must apply", results)
	}
	r = run(t, "build", "--json", "-q", "--node-version", "18", "out")
	json.Unmarshal([]byte(r.stdout), &results)
	if results[0]["runtimeVersion"] != "nodejs18.x" {
		t.Errorf("--node-version must win over the environment: %v", results[0]["runtimeVersion"])
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	site, out := t.TempDir(), t.TempDir()
	testfs.Write(t, site, map[string]string{
		"node_modules/dep/package.json": `{"name":"dep","version":"1.0.0"}`,
		"node_modules/dep/index.js":     `module.exports = "dep";`,
		"fns/good.js":                   `const d = require("dep"); exports.handler = async () => ({ statusCode: 201, body: d });`,
		"fns/broken.js":                 `const n = ["d", "ep"].join(""); exports.handler = async () => ({ statusCode: 200, body: require(n) });`,
	})
	if r := run(t, "build", "-q", filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("build: %d %s", r.code, r.stderr)
	}
	os.RemoveAll(filepath.Join(site, "node_modules")) // the archive alone must suffice
	r := run(t, "verify", "--invoke", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"ok    good: status 201", "FAIL  broken (", "Cannot find module 'dep'", "1 passed, 1 failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	os.Remove(filepath.Join(out, "broken.zip"))
	data, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	var m map[string]any
	json.Unmarshal(data, &m)
	var kept []any
	for _, fn := range m["functions"].([]any) {
		if fn.(map[string]any)["name"] == "good" {
			kept = append(kept, fn)
		}
	}
	m["functions"] = kept
	data, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(out, "manifest.json"), data, 0o644)
	if r := run(t, "verify", "--invoke", "--json", out); r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "verify", "--node", "/nonexistent/node", out); r.code != 1 || !strings.Contains(r.stderr, "needs Node.js") {
		t.Errorf("missing node: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, "verify"); r.code != 2 {
		t.Errorf("no argument: exit %d", r.code)
	}
}

// A Go function that does not compile fails the command with exit 1 and
// the compiler's file:line; the other functions are still built and
// listed, and --go-arch reaches the build.
func TestBuildGoFailureExitCode(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"hello.js":     handler,
		"ok/go.mod":    "module example.com/ok\n\ngo 1.22\n",
		"ok/main.go":   "package main\n\nfunc main() {}\n",
		"oops/go.mod":  "module example.com/oops\n\ngo 1.22\n",
		"oops/main.go": "package main\n\nfunc main() {\n\treturn 1\n}\n",
	})
	r := run(t, "build", "--go-arch", "arm64", "--json", src, out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`error: function "oops" (go): go build in`, "./main.go:4:9: too many return values", "1 of 3 functions failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// A failed build's JSON is an object: the successes, and the failures
	// with their function, runtime and message.
	var results struct {
		Functions []struct {
			Name   string
			Config struct{ GoArch string }
		}
		Failures []struct {
			Function, Runtime, MainFile, Message string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil || len(results.Functions) != 2 || results.Functions[1].Name != "ok" || results.Functions[1].Config.GoArch != "arm64" {
		t.Errorf("results %s (%v)", r.stdout, err)
	}
	if f := results.Failures; len(f) != 1 || f[0].Function != "oops" || f[0].Runtime != "go" || !strings.HasSuffix(f[0].MainFile, "main.go") || !strings.Contains(f[0].Message, "too many return values") {
		t.Errorf("failures %+v", f)
	}
}

func fixtureConfig(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../../fixtures", name, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBuildSaysWhichBootstrapShipped: the summary names the v2 bootstrap
// and where it came from, and the site's hoisted 1.x copy that was not
// shipped; --bootstrap pointing at that copy is refused with the reason.
func TestBuildSaysWhichBootstrapShipped(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "v2-hoisted")
	r := run(t, "build", "--config", cfg, t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"v2 bootstrap: @netlify/serverless-functions-api@2.18.0 from ", "the site's 1.26.1 in ", "is not shipped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	old := filepath.Join(filepath.Dir(cfg), "node_modules", "@netlify", "serverless-functions-api")
	r = run(t, "build", "--config", cfg, "--bootstrap", old, t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "--bootstrap "+old+": version 1.26.1 cannot load zisi's entry point") {
		t.Errorf("--bootstrap with 1.26.1: exit %d\n%s", r.code, r.stderr)
	}
	// A build without v2 functions says nothing about a bootstrap.
	if r := run(t, "build", "--config", demoConfig(t), t.TempDir()); strings.Contains(r.stderr, "bootstrap") {
		t.Errorf("demo build mentions a bootstrap:\n%s", r.stderr)
	}
}

// TestVerboseShowsNotes: a package shipped from devDependencies is a note,
// printed with --verbose only, never a warning.
func TestVerboseShowsNotes(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "node-deps")
	const note = `"is-number" is listed only in devDependencies`
	plain := run(t, "build", "--config", cfg, t.TempDir())
	verbose := run(t, "build", "--verbose", "--config", cfg, t.TempDir())
	if plain.code != 0 || verbose.code != 0 {
		t.Fatalf("exit %d, %d\n%s", plain.code, verbose.code, verbose.stderr)
	}
	if strings.Contains(plain.stderr, note) {
		t.Errorf("without --verbose:\n%s", plain.stderr)
	}
	if !strings.Contains(verbose.stderr, "note: function \"dev-dep\": ") || !strings.Contains(verbose.stderr, note) || strings.Contains(verbose.stderr, "warning: function \"dev-dep\"") {
		t.Errorf("with --verbose:\n%s", verbose.stderr)
	}
}

// TestFilesWithRelativeFolders runs the real command inside a site:
// `zisi files` with a relative folder, with ".", and with no argument used
// to overflow the stack in the resolver. Each now lists existing files
// only, and the sources a build reads (the .mts, not the .mjs it becomes).
func TestFilesWithRelativeFolders(t *testing.T) {
	t.Parallel()
	site, err := filepath.Abs("../../fixtures/modern")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		args []string
	}{
		{site, []string{"files", "netlify/functions"}},
		{filepath.Join(site, "netlify", "functions"), []string{"files", "."}},
		{site, []string{"files"}},
		{site, []string{"files", "--json", "netlify/functions"}},
	} {
		args, _ := json.Marshal(tc.args)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Dir = tc.dir
		cmd.Env = append(os.Environ(), "ZISI_TEST_MAIN_ARGS="+string(args))
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v in %s: %v\n%s", tc.args, tc.dir, err, stderr.String())
		}
		var files []string
		if slices.Contains(tc.args, "--json") {
			var listed []struct{ SrcFile string }
			if err := json.Unmarshal([]byte(stdout.String()), &listed); err != nil {
				t.Fatal(err)
			}
			for _, l := range listed {
				files = append(files, l.SrcFile)
			}
		} else {
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n")[1:] {
				fields := strings.Fields(line)
				files = append(files, fields[len(fields)-1])
			}
		}
		if !slices.Contains(files, filepath.Join(site, "netlify", "functions", "mts-v1.mts")) || slices.Contains(files, filepath.Join(site, "netlify", "functions", "mts-v1.mjs")) {
			t.Errorf("%v: the TypeScript source is not listed as such", tc.args)
		}
		for _, f := range files {
			if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("%v: listed %q does not exist (%v)", tc.args, f, err)
			}
		}
	}
}

// TestV2FunctionOutsideWorkingDirectory: without a netlify.toml the base
// directory is each function's site (its nearest package.json), not the
// working directory, so a v2 function elsewhere ships its files.
func TestV2FunctionOutsideWorkingDirectory(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"package.json":    `{"name":"elsewhere"}`,
		"fns/hi.mjs":      "import { who } from './lib/who.mjs';\nexport default async () => new Response(who);\n",
		"fns/lib/who.mjs": "export const who = 'me';\n",
	})
	out := t.TempDir()
	r := run(t, "build", filepath.Join(site, "fns"), out)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if v := run(t, "verify", "--invoke", out); v.code != 0 || !strings.Contains(v.stderr, "ok    hi: status 200") {
		t.Errorf("verify: exit %d\n%s", v.code, v.stderr)
	}
}
