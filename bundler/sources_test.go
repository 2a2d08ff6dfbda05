package bundler

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
	"github.com/zisi-build/zisi/manifest"
)

// frameworkSite writes a site laid out as a framework leaves it after its
// build: user functions in netlify/functions, generated ones in
// .netlify/functions-internal (with JSON configuration files) and
// .netlify/v1/functions, and one name in both.
func frameworkSite(t *testing.T) (string, Sources) {
	t.Helper()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"package.json":               `{"name":"site","private":true}`,
		"netlify/functions/hello.js": handler,
		"netlify/functions/clash.js": handler,
		"data/pages.txt":             "pages\n",
		"data/skip.txt":              "skip\n",
		"data/other.txt":             "other\n",
		".netlify/functions-internal/ssr/ssr.mjs": `import { readFileSync } from "node:fs";
export default async () => new Response("ssr " + readFileSync(new URL("../../../data/pages.txt", import.meta.url), "utf8").trim(), { status: 203 });
export const config = { path: "/ssr/*" };
`,
		".netlify/functions-internal/ssr/ssr.json":          `{"version": 1, "config": {"name": "Server renderer", "generator": "@acme/framework@1.2.3", "includedFiles": ["data/*.txt", "!data/skip.txt"], "timeout": 26}}`,
		".netlify/functions-internal/plain.js":              handler,
		".netlify/functions-internal/report-background.mjs": "export default async () => {}\n",
		".netlify/functions-internal/clash.js":              handler,
		".netlify/v1/functions/image.mts": `export default async (req: Request) => new Response("image " + new URL(req.url).pathname, { status: 200 });
export const config = { path: "/_image" };
`,
	})
	internal := filepath.Join(site, ".netlify/functions-internal")
	return site, Sources{
		Generated: SourceSet{Directories: []string{internal, filepath.Join(site, ".netlify/v1/functions")}},
		User:      SourceSet{Directories: []string{filepath.Join(site, "netlify/functions")}},
	}
}

func TestGeneratedAndUserSources(t *testing.T) {
	t.Parallel()
	site, src := frameworkSite(t)
	out := filepath.Join(site, "dist")
	opts := Options{BasePath: site, ConfigFileDirectories: []string{filepath.Join(site, ".netlify/functions-internal")}}
	rep, err := ZipSources(t.Context(), src, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		priority           int
		generator, display string
		timeout            int
		mainFileContains   string
	}
	wants := map[string]want{
		"hello": {PriorityUser, "", "", 0, "netlify/functions/hello.js"},
		// The user's clash.js wins over the generated clash.js (a later
		// folder wins between equal extensions; between different ones the
		// extension decides, as in the reference).
		"clash":             {PriorityUser, "", "", 0, "netlify/functions/clash.js"},
		"ssr":               {PriorityGenerated, "@acme/framework@1.2.3", "Server renderer", 26, ".netlify/functions-internal/ssr/ssr.mjs"},
		"plain":             {PriorityGenerated, DefaultGenerator, "", 0, ".netlify/functions-internal/plain.js"},
		"image":             {PriorityGenerated, DefaultGenerator, "", 0, ".netlify/v1/functions/image.mts"},
		"report-background": {PriorityGenerated, DefaultGenerator, "", 0, ".netlify/functions-internal/report-background.mjs"},
	}
	for _, fn := range rep.Functions {
		w, ok := wants[fn.Name]
		if !ok {
			t.Errorf("unexpected function %q", fn.Name)
			continue
		}
		delete(wants, fn.Name)
		if fn.Priority == nil || *fn.Priority != w.priority || fn.Generator != w.generator || fn.DisplayName != w.display ||
			fn.Timeout != w.timeout || !strings.HasSuffix(fn.MainFile, w.mainFileContains) {
			t.Errorf("%s: priority %v generator %q displayName %q timeout %d main %s, want %+v", fn.Name, deref(fn.Priority), fn.Generator, fn.DisplayName, fn.Timeout, fn.MainFile, w)
		}
	}
	if len(wants) > 0 {
		t.Errorf("not built: %v", wants)
	}
	// The shadowed generated function is named in a warning.
	var warned bool
	for _, w := range rep.Warnings {
		warned = warned || w.Function == "clash" && strings.Contains(w.String(), "functions-internal/clash.js") && strings.Contains(w.String(), "generated")
	}
	if !warned {
		t.Errorf("no warning about the shadowed generated clash.js: %v", rep.Warnings)
	}

	// The manifest carries the same priorities and generators.
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, fn := range m.Functions {
		if fn.Name == "ssr" && (fn.Priority == nil || *fn.Priority != 0 || fn.Generator != "@acme/framework@1.2.3" || fn.DisplayName != "Server renderer") {
			t.Errorf("manifest ssr = %+v", fn)
		}
		if fn.Name == "hello" && (fn.Priority == nil || *fn.Priority != 10 || fn.Generator != "") {
			t.Errorf("manifest hello = %+v", fn)
		}
	}

	// The generated v2 functions answer through their entry point, the
	// JSON file's included files shipped (and its exclusion honoured).
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{"ssr": "ssr pages", "image": "image /"}
	for _, r := range results {
		if body, ok := answers[r.Name]; ok {
			if !r.OK || r.Body != body {
				t.Errorf("%s: ok=%v status %d body %q (%s), want %q", r.Name, r.OK, r.StatusCode, r.Body, r.Error, body)
			}
			delete(answers, r.Name)
		}
	}
	if len(answers) > 0 {
		t.Errorf("not verified: %v", answers)
	}
	entries := zipNames(t, filepath.Join(out, "ssr.zip"))
	if !slices.Contains(entries, "data/pages.txt") || !slices.Contains(entries, "data/other.txt") || slices.Contains(entries, "data/skip.txt") {
		t.Errorf("ssr.zip entries: %v", entries)
	}
}

func TestConfigFileReadOnlyInsideConfigFileDirectories(t *testing.T) {
	t.Parallel()
	site, src := frameworkSite(t)
	// Without configFileDirectories the JSON file is not read.
	rep, err := ZipSources(t.Context(), src, filepath.Join(site, "dist"), Options{BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range rep.Functions {
		if fn.Name == "ssr" && (fn.DisplayName != "" || fn.Generator != DefaultGenerator) {
			t.Errorf("ssr read its JSON file without configFileDirectories: %+v", fn)
		}
	}
}

func TestBadConfigFileFailsItsFunctionOnly(t *testing.T) {
	t.Parallel()
	site, src := frameworkSite(t)
	testfs.Write(t, site, map[string]string{".netlify/functions-internal/ssr/ssr.json": "{\"version\": 1, \"config\": {\n  \"nodeBundler\": \"webpack\"\n}}"})
	out := filepath.Join(site, "dist")
	rep, err := ZipSources(t.Context(), src, out, Options{BasePath: site, ConfigFileDirectories: []string{filepath.Join(site, ".netlify/functions-internal")}})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 || be.Failures[0].Name != "ssr" {
		t.Fatalf("err = %v, want one failure for ssr", err)
	}
	msg := be.Failures[0].Error()
	for _, s := range []string{"ssr.json:2:", "config.nodeBundler", `"webpack" is not one of`} {
		if !strings.Contains(msg, s) {
			t.Errorf("%q does not contain %q", msg, s)
		}
	}
	if len(rep.Functions) != 5 {
		t.Errorf("%d functions built, want the other 5", len(rep.Functions))
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a manifest was written although a function failed: %v", err)
	}
}

func TestListSourcesWithParseISC(t *testing.T) {
	t.Parallel()
	site, src := frameworkSite(t)
	l, err := ListSources(t.Context(), src, Options{ParseISC: true, ConfigFileDirectories: []string{filepath.Join(site, ".netlify/functions-internal")}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ListedFunction{}
	for _, lf := range l.Functions {
		got[lf.Name+" "+filepath.Base(lf.MainFile)] = lf
	}
	if len(l.Functions) != 7 {
		t.Errorf("%d listed, want 7 (no de-duplication)", len(l.Functions))
	}
	ssr := got["ssr ssr.mjs"]
	if ssr.RuntimeAPIVersion != 2 || ssr.InputModuleFormat != "esm" || ssr.DisplayName != "Server renderer" || ssr.Generator != "@acme/framework@1.2.3" ||
		len(ssr.Routes) != 1 || ssr.Routes[0].Pattern != "/ssr/*" || ssr.Priority != PriorityGenerated || !ssr.Generated {
		t.Errorf("ssr = %+v", ssr)
	}
	if bg := got["report-background report-background.mjs"]; bg.InvocationMode != "background" {
		t.Errorf("report-background = %+v", bg)
	}
	hello := got["hello hello.js"]
	if hello.RuntimeAPIVersion != 1 || hello.InputModuleFormat != "cjs" || hello.Routes != nil || hello.Priority != PriorityUser || hello.Generated {
		t.Errorf("hello = %+v", hello)
	}
	// Without ParseISC nothing is analysed.
	l, err = ListSources(t.Context(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lf := range l.Functions {
		if lf.RuntimeAPIVersion != 0 || lf.Routes != nil || lf.InputModuleFormat != "" {
			t.Errorf("%s analysed without ParseISC: %+v", lf.Name, lf)
		}
	}
}

func TestListFunction(t *testing.T) {
	t.Parallel()
	site, _ := frameworkSite(t)
	internal := filepath.Join(site, ".netlify/functions-internal")
	lf, err := ListFunction(t.Context(), filepath.Join(internal, "ssr"), Options{ParseISC: true, InternalSrcFolder: internal, ConfigFileDirectories: []string{internal}})
	if err != nil {
		t.Fatal(err)
	}
	if lf.Name != "ssr" || lf.RuntimeAPIVersion != 2 || lf.Priority != PriorityGenerated || lf.DisplayName != "Server renderer" {
		t.Errorf("ListFunction = %+v", lf)
	}
	if _, err := ListFunction(t.Context(), filepath.Join(site, "data/pages.txt"), Options{}); !errors.Is(err, ErrNotFunction) {
		t.Errorf("a text file: %v, want ErrNotFunction", err)
	}
	if _, err := ListFunction(t.Context(), filepath.Join(site, "missing.js"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing path: %v, want not exist", err)
	}
}

func TestZipFunctionInternalSrcFolder(t *testing.T) {
	t.Parallel()
	site, _ := frameworkSite(t)
	internal := filepath.Join(site, ".netlify/functions-internal")
	res, err := ZipFunction(t.Context(), filepath.Join(internal, "plain.js"), t.TempDir(), Options{InternalSrcFolder: internal})
	if err != nil {
		t.Fatal(err)
	}
	if res.Priority == nil || *res.Priority != PriorityGenerated || res.Generator != DefaultGenerator {
		t.Errorf("priority %v generator %q", deref(res.Priority), res.Generator)
	}
	res, err = ZipFunction(t.Context(), filepath.Join(site, "netlify/functions/hello.js"), t.TempDir(), Options{InternalSrcFolder: internal})
	if err != nil {
		t.Fatal(err)
	}
	if res.Priority == nil || *res.Priority != PriorityUser || res.Generator != "" {
		t.Errorf("user function: priority %v generator %q", deref(res.Priority), res.Generator)
	}
}

func TestEmptySourcesIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := ZipSources(t.Context(), Sources{}, t.TempDir(), Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ZipSources with no sources: %v, want ErrInvalidOptions", err)
	}
	if _, err := ListSources(t.Context(), Sources{}, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ListSources with no sources: %v, want ErrInvalidOptions", err)
	}
	// An empty path is not the working directory.
	out := t.TempDir()
	if _, err := ZipFunctions(t.Context(), []string{""}, out, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ZipFunctions with an empty path: %v, want ErrInvalidOptions", err)
	}
	if _, err := ZipSources(t.Context(), Sources{Generated: SourceSet{Functions: []string{""}}}, out, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("an empty function path: %v, want ErrInvalidOptions", err)
	}
	if _, err := ListFunctions(t.Context(), []string{""}, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ListFunctions with an empty path: %v, want ErrInvalidOptions", err)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestRoutesOnScheduledOrEventFunctionsFail(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{
		"cron.mjs":                      "export default async () => new Response('')\nexport const config = { path: '/cron', schedule: '@daily' }\n",
		"deploy-succeeded.mjs":          "export default async () => new Response('')\nexport const config = { path: '/hook' }\n",
		"Identity-Login-background.mjs": "export default async () => new Response('')\nexport const config = { path: '/login' }\n",
		"fine.mjs":                      "export default async () => new Response('')\nexport const config = { path: '/fine' }\n",
		"nightly.mjs":                   "export default async () => new Response('')\nexport const config = { schedule: '@daily' }\n",
	})
	_, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{BasePath: src})
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a BuildError", err)
	}
	got := map[string]string{}
	for _, f := range be.Failures {
		if !errors.Is(f, ErrInvalidRoutes) {
			t.Errorf("%s: %v is not ErrInvalidRoutes", f.Name, f)
		}
		got[f.Name] = f.Error()
	}
	for name, want := range map[string]string{
		"cron":                      `has a schedule ("@daily") and a custom path (/cron)`,
		"deploy-succeeded":          "runs on the deploy-succeeded event",
		"Identity-Login-background": "runs on the identity-login event",
	} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: %q, want it to contain %q", name, got[name], want)
		}
	}
	if len(got) != 3 {
		t.Errorf("failures %v: fine and nightly must build", got)
	}
}

func TestEntriesThatAreNotFunctionsGetNotes(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify/functions/hello.js":      handler,
		"netlify/functions/train.py":      "print('hi')\n",
		"netlify/functions/notes.txt":     "todo\n",
		"netlify/functions/README.md":     "# functions\n",
		"netlify/functions/.DS_Store":     "junk",
		"netlify/functions/lib/shared.js": "module.exports = 1\n",
		// A framework's configuration file beside its function: no note.
		".netlify/functions-internal/ssr.js":   handler,
		".netlify/functions-internal/ssr.json": `{"version": 1, "config": {}}`,
	})
	user := filepath.Join(site, "netlify/functions")
	src := Sources{
		Generated: SourceSet{Directories: []string{filepath.Join(site, ".netlify/functions-internal")}},
		User:      SourceSet{Directories: []string{user}},
	}
	want := []string{
		filepath.Join(user, "README.md") + ": not a function (documentation), skipped",
		filepath.Join(user, "lib") + ": not a function, skipped: a function folder has a main file, lib.js or index.js (or .ts, .mjs, .cjs, .tsx, .mts, .cts), lib.go or main.go",
		filepath.Join(user, "notes.txt") + ": not a function, skipped: .txt is not a function file type (.js, .mjs, .cjs, .ts, .tsx, .mts, .cts, .zip)",
		filepath.Join(user, "train.py") + ": not a function, skipped: .py is not a function file type (.js, .mjs, .cjs, .ts, .tsx, .mts, .cts, .zip)",
	}
	strs := func(ws []Warning) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.String())
		}
		return out
	}
	l, err := ListSources(t.Context(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(l.Notes); !slices.Equal(got, want) || len(l.Warnings) != 0 || len(l.Functions) != 2 {
		t.Errorf("listing notes:\n%s\nwant\n%s\nwarnings %v", strings.Join(got, "\n"), strings.Join(want, "\n"), l.Warnings)
	}
	rep, err := ZipSources(t.Context(), src, filepath.Join(site, "out"), Options{BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	// Notes, not warnings: --strict does not fail on them.
	if got := strs(rep.Notes); !slices.Equal(got, want) || len(rep.Warnings) != 0 || len(rep.Functions) != 2 {
		t.Errorf("report notes:\n%s\nwant\n%s\nwarnings %v", strings.Join(got, "\n"), strings.Join(want, "\n"), rep.Warnings)
	}
}
