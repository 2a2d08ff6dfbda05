package bundler

// Integration tests of Verify: archives built by ZipFunctions, loaded in
// node.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/manifest"
)

// TestDetectsMissingModule builds a function whose dependency is shipped
// nowhere (it is loaded with a computed name zisi cannot follow) and one
// that works, then checks verify tells them apart.
func TestDetectsMissingModule(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"package.json":                      `{"name":"s","dependencies":{"greeter":"1.0.0"}}`,
		"node_modules/greeter/package.json": `{"name":"greeter","version":"1.0.0","main":"index.js"}`,
		"node_modules/greeter/index.js":     `module.exports = (n) => "hello " + n;`,
		"fns/good.js":                       `const g = require("greeter"); exports.handler = async () => ({ statusCode: 200, body: g("you") });`,
		"fns/bad.js":                        `const name = "greet" + "er"; const g = require(name); exports.handler = async () => ({ statusCode: 200, body: g("x") });`,
		"fns/throws.js":                     `exports.handler = async (e) => { throw new Error("boom " + e.path); };`,
		"fns/logs.js":                       `exports.handler = async () => { console.log("{not json"); process.stdout.write("noise"); return { statusCode: 204 }; };`,
	})
	out := t.TempDir()
	if _, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, out, Options{}); err != nil {
		t.Fatal(err)
	}
	// Make sure the archive cannot see the site's node_modules by accident.
	os.RemoveAll(filepath.Join(site, "node_modules"))
	results, err := Verify(t.Context(), out, VerifyOptions{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]VerifyResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	if r := byName["good"]; !r.OK || r.StatusCode != 200 || r.Body != "hello you" {
		t.Errorf("good: %+v", r)
	}
	if r := byName["bad"]; r.OK || !r.MissingModule || !strings.Contains(r.Error, "Cannot find module 'greeter'") {
		t.Errorf("bad: %+v", r)
	}
	if r := byName["logs"]; !r.OK || r.StatusCode != 204 {
		t.Errorf("logs: %+v (output from the function must not confuse verify)", r)
	}
	if r := byName["throws"]; !r.OK || !strings.Contains(r.HandlerError, "boom /") {
		t.Errorf("throws: %+v (a handler error is not a load failure)", r)
	}
}

// buildSite builds site/fns the way the CLI does (the site as base path),
// so v2 functions get the pinned bootstrap from ZISI_CACHE_DIR.
func buildVerifySite(t *testing.T, site string, files map[string]string) string {
	t.Helper()
	testfs.Write(t, site, files)
	out := t.TempDir()
	if _, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, out, Options{BasePath: site}); err != nil {
		t.Fatal(err)
	}
	return out
}

func byName(t *testing.T, results []VerifyResult, err error) map[string]VerifyResult {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]VerifyResult{}
	for _, r := range results {
		m[r.Name] = r
	}
	return m
}

func readManifest(t *testing.T, dir string) []manifest.Function {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return m.Functions
}

// TestV2BootstrapMustCallTheFunction builds fixtures/v2-hoisted and ships
// it twice: with the bootstrap the site's node_modules hoists (1.x, whose
// getLambdaHandler takes a loaded module, not the path the entry point
// passes), as zisi once did, and with the bootstrap zisi pins today
// (taken from a v2 build of a site without the package). Only the second
// may pass.
func TestV2BootstrapMustCallTheFunction(t *testing.T) {
	t.Parallel()
	site, err := filepath.Abs("../fixtures/v2-hoisted")
	if err != nil {
		t.Fatal(err)
	}
	hoisted := filepath.Join(site, "node_modules", "@netlify", "serverless-functions-api")
	pj, err := os.ReadFile(filepath.Join(hoisted, "package.json"))
	if err != nil {
		t.Fatalf("fixtures/v2-hoisted/node_modules is missing: run make test-deps (make test does): %v", err)
	}
	var hoistedPkg struct{ Version string }
	if err := json.Unmarshal(pj, &hoistedPkg); err != nil {
		t.Fatal(err)
	}
	hoistedIndex, err := os.ReadFile(filepath.Join(hoisted, "dist", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := ZipFunctions(t.Context(), []string{filepath.Join(site, config.DefaultFunctionsDirectory)}, out, Options{Config: &f.Functions, BasePath: site}); err != nil {
		t.Fatal(err)
	}
	pinned := buildVerifySite(t, t.TempDir(), map[string]string{"fns/p.mjs": "export default async () => new Response(\"p\");\n"})

	tests := []struct {
		name    string
		replace map[string][]byte
		ok      bool
	}{
		{"hoisted 1.x bootstrap", map[string][]byte{
			node.BootstrapName: hoistedIndex,
			node.MetadataName:  fmt.Appendf(nil, `{"bootstrap_version":%q,"version":1}`, hoistedPkg.Version),
		}, false},
		{"pinned bootstrap", map[string][]byte{
			node.BootstrapName: testfs.ZipEntry(t, filepath.Join(pinned, "p.zip"), node.BootstrapName),
			node.MetadataName:  testfs.ZipEntry(t, filepath.Join(pinned, "p.zip"), node.MetadataName),
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fns := readManifest(t, out)
			dir := t.TempDir()
			for i := range fns {
				dest := filepath.Join(dir, filepath.Base(fns[i].Path))
				testfs.RewriteZip(t, fns[i].Path, dest, tt.replace)
				fns[i].Path = dest
			}
			res, err := VerifyFunctions(t.Context(), fns, VerifyOptions{Invoke: true})
			results := byName(t, res, err)
			if len(results) != 2 {
				t.Fatalf("results %+v, want hello and ping", results)
			}
			for name, r := range results {
				if !tt.ok {
					for _, want := range []string{
						"the v2 bootstrap threw before the function's code ran: ",
						"(at " + node.BootstrapName + ":",
						"incompatible @netlify/serverless-functions-api (version " + hoistedPkg.Version + " from " + node.MetadataName + ")",
					} {
						if r.OK || !strings.Contains(r.Error, want) {
							t.Errorf("%s: ok=%v, error %q lacks %q", name, r.OK, r.Error, want)
						}
					}
					if r.BootstrapVersion != hoistedPkg.Version {
						t.Errorf("%s: bootstrap version %q, want %q", name, r.BootstrapVersion, hoistedPkg.Version)
					}
					continue
				}
				if !r.OK || r.HandlerError != "" {
					t.Errorf("%s: %+v", name, r)
				}
			}
			if !tt.ok {
				return
			}
			hello := results["hello"]
			var body map[string]any
			if err := json.Unmarshal([]byte(hello.Body), &body); err != nil || hello.StatusCode != 201 || body["path"] != "/" {
				t.Errorf("hello: status %d body %q (%v), want 201 and the test event's path", hello.StatusCode, hello.Body, err)
			}
			if ping := results["ping"]; ping.StatusCode != 200 || ping.Body != "pong" {
				t.Errorf("ping: status %d body %q", ping.StatusCode, ping.Body)
			}
		})
	}
}

// TestModuleShape: a function with nothing to call fails with what its
// module exports instead; the shapes the v2 bootstrap accepts pass.
func TestModuleShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, src string
		api       int
		want      string // in Error; "" when the function must pass
	}{
		{"v1-none.js", "exports.foo = 1;\nexports.bar = () => {};\n", 1, "the entry file exports no handler function (exports: foo, bar)"},
		{"v1-string.js", "exports.handler = \"not yet\";\n", 1, "the entry file exports no handler function (handler is a string; exports: handler)"},
		{"v1-ok.js", "exports.handler = async () => ({ statusCode: 200 });\n", 1, ""},
		{"v2-number.mjs", "export default 42;\n", 2, "the main module v2-number.mjs has no default export function (default is a number; exports: default)"},
		{"v2-object.mjs", "export default { greeting: \"hi\" };\nexport const config = { path: \"/o\" };\n", 2, "has no default export function (default is an object with greeting; exports: config, default)"},
		{"v2-fetch.mjs", "export default { fetch: async () => new Response(\"f\", { status: 203 }) };\n", 2, ""},
		{"v2-events.mjs", "export default { async deploySucceeded() {} };\n", 2, ""},
		{"v2-typescript.ts", "export default async (): Promise<Response> => new Response(\"t\", { status: 202 });\n", 2, ""},
	}
	files := map[string]string{}
	for _, tt := range tests {
		files["fns/"+tt.file] = tt.src
	}
	out := buildVerifySite(t, t.TempDir(), files)
	api := map[string]int{}
	for _, fn := range readManifest(t, out) {
		api[fn.Name] = max(fn.BuildData.RuntimeAPIVersion, 1)
	}
	res, err := Verify(t.Context(), out, VerifyOptions{Invoke: true})
	results := byName(t, res, err)
	for _, tt := range tests {
		name := strings.TrimSuffix(tt.file, filepath.Ext(tt.file))
		t.Run(name, func(t *testing.T) {
			r := results[name]
			if api[name] != tt.api {
				t.Fatalf("built as a v%d function, the test needs v%d", api[name], tt.api)
			}
			switch {
			case tt.want != "" && (r.OK || !strings.Contains(r.Error, tt.want)):
				t.Errorf("ok=%v error %q, want a failure with %q", r.OK, r.Error, tt.want)
			case tt.want == "" && !r.OK:
				t.Errorf("failed: %s", r.Error)
			}
		})
	}
	if r := results["v2-events"]; !strings.Contains(r.Note, "only event handlers (deploySucceeded)") || r.StatusCode != 0 {
		t.Errorf("v2-events: %+v, want a note and no call", r)
	}
	if r := results["v2-fetch"]; r.StatusCode != 203 {
		t.Errorf("v2-fetch: %+v, want the fetch method's answer", r)
	}
}

// TestHandlerThrowAfterFunctionCodeRan: a throw passes (with the error
// noted) when the function's code ran: its stack reaches the function's
// files (its own, or a package it ships, reached from them), or V8 saw
// the function's code run though the error was built by node itself.
func TestHandlerThrowAfterFunctionCodeRan(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	out := buildVerifySite(t, site, map[string]string{
		"package.json":                      `{"name":"s","dependencies":{"thrower":"1.0.0"}}`,
		"node_modules/thrower/package.json": `{"name":"thrower","version":"1.0.0","main":"index.js"}`,
		"node_modules/thrower/index.js":     "module.exports = (what) => {\n  throw new TypeError(\"no \" + what);\n};\n",
		"fns/own.js":                        "exports.handler = async (event) => {\n  throw new Error(\"boom \" + event.path);\n};\n",
		"fns/dep.js":                        "const thrower = require(\"thrower\");\nexports.handler = async () => thrower(\"luck\");\n",
		"fns/refused.js": `const net = require("net");
const connect = () => new Promise((resolve, reject) => net.connect(1, "127.0.0.1").on("connect", resolve).on("error", reject));
exports.handler = async () => { await connect(); return { statusCode: 200 }; };
`,
		"fns/v2-plain.mjs": "export default async () => ({ statusCode: 200, body: \"a v1 answer\" });\n",
	})
	res, err := Verify(t.Context(), out, VerifyOptions{Invoke: true})
	results := byName(t, res, err)
	tests := []struct {
		name, error, frame string
	}{
		{"own", "Error: boom /", "own.js:2:"},
		{"dep", "TypeError: no luck", "node_modules/thrower/index.js:2:"},
		{"refused", "ECONNREFUSED", ""},
		{"v2-plain", "Function returned an unsupported value", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := results[tt.name]
			if !r.OK || !strings.Contains(r.HandlerError, tt.error) {
				t.Fatalf("%+v, want ok with handler error %q", r, tt.error)
			}
			if tt.frame == "" && r.HandlerFrame != "" || !strings.HasPrefix(r.HandlerFrame, tt.frame) {
				t.Errorf("handler frame %q, want %q", r.HandlerFrame, tt.frame)
			}
		})
	}
}

// TestFunctionRan covers the rule on the facts the runner reports,
// including a node that cannot measure coverage (Ran nil).
// TestCancelledStartsNothing: a done ctx starts no check.
