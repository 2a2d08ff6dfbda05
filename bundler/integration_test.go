package bundler

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
)

// buildFixture builds fixtures/<name> as the CLI would (its netlify.toml,
// its directory as base path). The fixture's node_modules must have been
// installed from its lock file by `make test-deps`.
func buildFixture(t *testing.T, name string) (*Report, string) {
	t.Helper()
	rep, out, err := buildSite(t, name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep, out
}

func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestNodeModulesIntegration(t *testing.T) {
	t.Parallel()
	rep, out := buildFixture(t, "node-deps")
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cjs-lodash":  "HELLO WORLD!",
		"dev-dep":     "true",
		"esm-dynamic": "10",
		"exports-map": "true",
		"native":      "01020304",
		"nested":      `{"ms":172800000,"debugMs":"2.0.0"}`,
		"optional":    `{"ws":"function","watch":"function"}`,
		"scoped":      `{"a":1,"b":2}`,
		"with-files":  "<h1>static page</h1>",
	}
	for _, r := range results {
		if r.Name == "dynamic-name" {
			// zisi warned it could not follow require(name); verify shows
			// the consequence instead of a deploy finding it.
			if r.OK || !r.MissingModule || !strings.Contains(r.Error, "./lib/helper") {
				t.Errorf("dynamic-name: %+v", r)
			}
			continue
		}
		if !r.OK || r.StatusCode != 200 || r.Body != want[r.Name] {
			t.Errorf("%s: ok=%v status=%d body=%q error=%s; want body %q", r.Name, r.OK, r.StatusCode, r.Body, r.Error, want[r.Name])
		}
	}
	if len(results) != 10 {
		t.Errorf("verified %d functions, want 10", len(results))
	}

	var warnings []string
	for _, w := range rep.Warnings {
		warnings = append(warnings, w.String())
	}
	joined := strings.Join(warnings, "\n")
	for _, w := range []string{
		`dynamic-name.js:5:21: require() with an argument that is not a string literal`, "included_files",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %q:\n%s", w, joined)
		}
	}
	// A package from devDependencies works on Netlify, which installs
	// them: it is a note (shown with --verbose), not a warning.
	const devNote = `dev-dep.js:2:26: "is-number" is listed only in devDependencies`
	if strings.Contains(joined, "devDependencies") {
		t.Errorf("a devDependency import is a warning:\n%s", joined)
	}
	var notes []string
	for _, n := range rep.Notes {
		notes = append(notes, n.String())
	}
	if !strings.Contains(strings.Join(notes, "\n"), devNote) {
		t.Errorf("notes lack %q: %q", devNote, notes)
	}

	byName := map[string]FunctionResult{}
	for _, r := range rep.Functions {
		byName[r.Name] = r
	}
	nested := zipNames(t, byName["nested"].Path)
	for _, want := range []string{"node_modules/ms/package.json", "node_modules/debug/node_modules/ms/package.json", "node_modules/debug/src/index.js"} {
		if !slices.Contains(nested, want) {
			t.Errorf("nested.zip lacks %s (both ms versions must ship)", want)
		}
	}
	withFiles := zipNames(t, byName["with-files"].Path)
	if !slices.Contains(withFiles, "content/about.md") || slices.Contains(withFiles, "content/drafts/wip.md") ||
		!slices.Contains(withFiles, "netlify/functions/with-files/static/page.html") {
		t.Errorf("with-files.zip: %q", withFiles)
	}
	if got := byName["with-files"].IncludedFiles; len(got) != 1 || !strings.HasSuffix(got[0], "content/about.md") {
		t.Errorf("includedFiles %q", got)
	}
	optional := zipNames(t, byName["optional"].Path)
	if !slices.Contains(optional, "node_modules/bufferutil/package.json") {
		t.Error("optional.zip: an installed optional peer (bufferutil of ws) must ship")
	}
	for _, r := range rep.Functions {
		for _, n := range zipNames(t, r.Path) {
			if strings.Contains(n, "node_modules/@types/") || strings.Contains(n, "node_modules/fsevents") {
				t.Errorf("%s ships %s", r.Name, n)
			}
		}
	}
	if nm := byName["native"].NativeNodeModules; nm["bufferutil"] == nil {
		t.Errorf("nativeNodeModules %v", nm)
	}
}

func TestPnpmIntegration(t *testing.T) {
	t.Parallel()
	rep, out := buildFixture(t, "node-pnpm")
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !results[0].OK || results[0].Body != "function" {
		t.Fatalf("results %+v", results)
	}
	names := zipNames(t, rep.Functions[0].Path)
	zr, err := zip.OpenReader(rep.Functions[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "node_modules/express" && f.Mode()&os.ModeSymlink == 0 {
			t.Error("node_modules/express must stay a symlink into .pnpm")
		}
	}
	if !slices.Contains(names, "node_modules/.pnpm/express@5.1.0/node_modules/express/package.json") {
		t.Errorf("express is not shipped at its real path")
	}
}

// TestV2HandlerAnswersThroughEntryPoint builds v2 functions (ESM and
// TypeScript compiled to CommonJS, with a local import and a package) and
// calls each through ___netlify-entry-point.mjs and the bootstrap with a
// Lambda-style API Gateway event, checking the response the bootstrap
// streams back.
func TestV2HandlerAnswersThroughEntryPoint(t *testing.T) {
	t.Parallel()
	site, _ := filepath.Abs("../fixtures/modern")
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{
		"answer.mts": `import ms from "ms";
import { greet } from "./lib/greet.mjs";
export default async (req: Request) =>
  Response.json({ greeting: greet(req.headers.get("host")), method: req.method, ms: ms("1s") }, { status: 201 });
export const config = { path: "/answer" };
`,
		"lib/greet.mjs": "export const greet = (who) => `hello ${who}`;\n",
		"typed.ts": `import { v4 } from "uuid";
export default async () => new Response("id " + v4().length, { status: 202, headers: { "x-zisi": "1" } });
`,
	})
	// The site gets real packages from the fixture installed by make
	// test-deps.
	for _, pkg := range []string{"ms", "uuid"} {
		copySite(t, filepath.Join(site, "node_modules", pkg), filepath.Join(src, "node_modules", pkg), false)
	}
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{BasePath: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range rep.Functions {
		if fn.RuntimeAPIVersion != 2 || fn.EntryFilename != "___netlify-entry-point.mjs" || fn.Bundler != "nft" {
			t.Errorf("%s: api %d entry %q bundler %q", fn.Name, fn.RuntimeAPIVersion, fn.EntryFilename, fn.Bundler)
		}
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status int
		body   string
	}{
		"answer": {201, `{"greeting":"hello localhost","method":"GET","ms":1000}`},
		"typed":  {202, "id 36"},
	}
	for _, r := range results {
		w := want[r.Name]
		if !r.OK || r.StatusCode != w.status || r.Body != w.body {
			t.Errorf("%s: ok=%v status %d body %q (error %s), want %d %q", r.Name, r.OK, r.StatusCode, r.Body, r.Error, w.status, w.body)
		}
		delete(want, r.Name)
	}
	if len(want) > 0 {
		t.Errorf("not verified: %v", want)
	}
}
