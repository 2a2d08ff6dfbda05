package bundler

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
)

// addConformanceConfig adds the configuration of a fixture's
// conformance.json, which netlify.toml cannot carry (nodeModuleFormat),
// as cmd/conformance gives it to both tools.
func addConformanceConfig(t *testing.T, site string, cfg *config.Config) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(site, "conformance.json"))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var sf struct {
		Config map[string]config.FunctionConfig `json:"config"`
	}
	if err := json.Unmarshal(data, &sf); err != nil {
		t.Fatal(err)
	}
	for _, glob := range slices.Sorted(maps.Keys(sf.Config)) {
		cfg.Patterns = append(cfg.Patterns, config.Pattern{Glob: glob, Config: sf.Config[glob], Order: len(cfg.Patterns)})
	}
}

// esmFlagsSite builds fixtures/esm-flags with its netlify.toml, the
// configuration of its conformance.json (svelte's nodeModuleFormat) when
// esm is set, and the feature flags.
func esmFlagsSite(t *testing.T, esm bool, flags map[string]bool, format ArchiveFormat) (*Report, string, error) {
	t.Helper()
	site, err := filepath.Abs("../fixtures/esm-flags")
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if esm {
		addConformanceConfig(t, site, &f.Functions)
		if f.Functions.ForFunction("svelte").NodeModuleFormat != config.ModuleFormatESM {
			t.Fatal("conformance.json does not give svelte nodeModuleFormat esm")
		}
	}
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{f.FunctionsDirectory}, out, Options{Config: &f.Functions, BasePath: site, FeatureFlags: flags, ArchiveFormat: format})
	return rep, out, err
}

func resultOf(t *testing.T, rep *Report, name string) *FunctionResult {
	t.Helper()
	for i := range rep.Functions {
		if rep.Functions[i].Name == name {
			return &rep.Functions[i]
		}
	}
	t.Fatalf("no result for %s", name)
	return nil
}

// TestNodeModuleFormatESM is the SvelteKit case: a v1 .mjs function with
// top-level await (in its own code and in a file it imports) cannot be
// made CommonJS, so esbuild's default build fails; with nodeModuleFormat
// "esm" it is traced by nft and shipped untranspiled with a .mjs entry
// file, as the reference ships it, and its handler answers in node.
func TestNodeModuleFormatESM(t *testing.T) {
	t.Parallel()
	_, _, err := esmFlagsSite(t, false, nil, ArchiveZip)
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 || be.Failures[0].Name != "svelte" ||
		!strings.Contains(be.Failures[0].Error(), `Top-level await is currently not supported with the "cjs" output format`) {
		t.Fatalf("without nodeModuleFormat: %v, want svelte's top-level await error", err)
	}

	rep, out, err := esmFlagsSite(t, true, nil, ArchiveZip)
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, rep, "svelte")
	if r.Bundler != "nft" || r.BundlerReason != "mjs-pure-esm" || r.OutputModuleFormat != "esm" || r.EntryFilename != "svelte.mjs" {
		t.Errorf("bundler %s (%s), output %s, entry %s; want nft (mjs-pure-esm), esm, svelte.mjs", r.Bundler, r.BundlerReason, r.OutputModuleFormat, r.EntryFilename)
	}
	zipPath := filepath.Join(out, "svelte.zip")
	if got, want := zipNames(t, zipPath), []string{"lib/render.mjs", "netlify/functions/svelte.mjs", "svelte.mjs"}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	if got, want := string(testfs.ZipEntry(t, zipPath, "svelte.mjs")), "export { handler } from './netlify/functions/svelte.mjs'"; got != want {
		t.Errorf("entry file %q, want %q", got, want)
	}
	for _, name := range []string{"netlify/functions/svelte.mjs", "lib/render.mjs"} {
		src, err := os.ReadFile(filepath.Join("../fixtures/esm-flags", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := testfs.ZipEntry(t, zipPath, name); string(got) != string(src) {
			t.Errorf("%s is not shipped as written (pure ESM):\n%s", name, got)
		}
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range results {
		if v.Name == "svelte" && (!v.OK || v.StatusCode != 200 || v.Body != "<h1>rendered /</h1>") {
			t.Errorf("svelte in node: ok=%v status %d body %q error %s", v.OK, v.StatusCode, v.Body, v.Error)
		}
	}
}

// TestModuleFormatFlags builds fixtures/esm-flags with each module-format
// flag and checks what the reference 16.2.3 produces for the same
// fixture and flags (measured with cmd/conformance, which compares the
// two on every run of the fixture's conformance.json): the bundler and
// its reason, the output module format, the entry file and the archive's
// entries, and whether the main file ships untranspiled.
func TestModuleFormatFlags(t *testing.T) {
	t.Parallel()
	type want struct {
		bundler, reason, format, entry string
		entries                        []string
		// asWritten lists entries that must be the source file's bytes.
		asWritten map[string]string
		// included is how many files the result lists as included.
		included int
	}
	for _, tc := range []struct {
		name  string
		flags map[string]bool
		fns   map[string]want
	}{
		{"none", nil, map[string]want{
			"mjs-plain": {"esbuild", "esbuild-ext", "cjs", "mjs-plain.js", []string{"mjs-plain.js", "netlify/functions/mjs-plain.js"}, nil, 0},
			"typemod":   {"nft", "esm-default", "cjs", "typemod.js", []string{"package.json", "typemod.js", "util.js"}, nil, 0},
			"cjsdir":    {"zisi", "zisi-default", "cjs", "cjsdir.js", []string{"cjsdir.js", "helper.js", "index.js"}, nil, 0},
		}},
		{"zisi_pure_esm_mjs", map[string]bool{FlagPureESMMjs: true}, map[string]want{
			"mjs-plain": {"nft", "mjs-pure-esm", "esm", "mjs-plain.mjs", []string{"lib/greet.mjs", "mjs-plain.mjs", "netlify/functions/mjs-plain.mjs"},
				map[string]string{"netlify/functions/mjs-plain.mjs": "netlify/functions/mjs-plain.mjs"}, 0},
		}},
		{"zisi_pure_esm", map[string]bool{FlagPureESM: true}, map[string]want{
			"typemod": {"nft", "esm-default", "cjs", "typemod.js", []string{"package.json", "typemod.js", "util.js"},
				map[string]string{"typemod.js": "netlify/functions/typemod/typemod.js", "package.json": "netlify/functions/typemod/package.json"}, 0},
			"esbmod": {"esbuild", "config-override", "cjs", "esbmod.js", []string{"esbmod.js", "netlify/functions/esbmod/esbmod.js", "netlify/functions/esbmod/package.json"}, nil, 1},
			"typed":  {"esbuild", "esbuild-ext", "cjs", "typed.js", []string{"netlify/functions/typed.js", "typed.js"}, nil, 0},
		}},
		{"zisi_output_cjs_extension", map[string]bool{FlagOutputCJSExtension: true}, map[string]want{
			"cjsdir":    {"zisi", "zisi-default", "cjs", "cjsdir.cjs", []string{"cjsdir.cjs", "helper.js", "index.js"}, nil, 0},
			"typed":     {"esbuild", "esbuild-ext", "cjs", "typed.cjs", []string{"netlify/functions/typed.cjs", "typed.cjs"}, nil, 0},
			"plain":     {"zisi", "zisi-default", "cjs", "plain.js", []string{"plain.js"}, nil, 0},
			"mjs-plain": {"esbuild", "esbuild-ext", "cjs", "mjs-plain.cjs", []string{"mjs-plain.cjs", "netlify/functions/mjs-plain.cjs"}, nil, 0},
		}},
		{"traceWithNft", map[string]bool{FlagTraceWithNft: true}, map[string]want{
			"plain":  {"nft", "flag-forced-nft", "cjs", "plain.js", []string{"netlify/functions/plain.js", "package.json", "plain.js"}, nil, 0},
			"cjsdir": {"nft", "flag-forced-nft", "cjs", "cjsdir.js", []string{"cjsdir.js", "netlify/functions/cjsdir/helper.js", "netlify/functions/cjsdir/index.js", "package.json"}, nil, 2},
			"typed":  {"esbuild", "esbuild-ext", "cjs", "typed.js", []string{"netlify/functions/typed.js", "typed.js"}, nil, 0},
		}},
		{"all", map[string]bool{FlagPureESM: true, FlagPureESMMjs: true, FlagOutputCJSExtension: true}, map[string]want{
			"typed":   {"esbuild", "esbuild-ext", "esm", "typed.mjs", []string{"netlify/functions/typed.mjs", "typed.mjs"}, nil, 0},
			"esbmod":  {"esbuild", "config-override", "esm", "esbmod.mjs", []string{"esbmod.mjs", "netlify/functions/esbmod/esbmod.mjs", "netlify/functions/esbmod/package.json"}, nil, 1},
			"typemod": {"nft", "esm-default", "cjs", "typemod.js", []string{"package.json", "typemod.js", "util.js"}, map[string]string{"util.js": "netlify/functions/typemod/util.js"}, 0},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, out, err := esmFlagsSite(t, true, tc.flags, ArchiveZip)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range tc.fns {
				r := resultOf(t, rep, name)
				if r.Bundler != w.bundler || r.BundlerReason != w.reason || r.OutputModuleFormat != w.format || r.EntryFilename != w.entry {
					t.Errorf("%s: %s (%s), %s, entry %s; want %s (%s), %s, entry %s", name, r.Bundler, r.BundlerReason, r.OutputModuleFormat, r.EntryFilename, w.bundler, w.reason, w.format, w.entry)
				}
				zipPath := filepath.Join(out, name+".zip")
				if got := zipNames(t, zipPath); !slices.Equal(got, w.entries) {
					t.Errorf("%s: entries %q, want %q", name, got, w.entries)
				}
				for entry, file := range w.asWritten {
					src, err := os.ReadFile(filepath.Join("../fixtures/esm-flags", file))
					if err != nil {
						t.Fatal(err)
					}
					if got := testfs.ZipEntry(t, zipPath, entry); string(got) != string(src) {
						t.Errorf("%s: %s is not shipped as written:\n%s", name, entry, got)
					}
				}
				if len(r.IncludedFiles) != w.included {
					t.Errorf("%s: included files %q, want %d", name, r.IncludedFiles, w.included)
				}
			}
		})
	}
}

// TestCJSInESMScopeError: with zisi_error_cjs_in_esm_scope, a CommonJS
// .js function file that nft traces inside a "type": "module" package
// fails (Node.js would load it as ESM, where exports is not defined),
// naming the file, the function, the package.json and the fixes. As in
// the reference, the zisi bundler does not check.
func TestCJSInESMScopeError(t *testing.T) {
	t.Parallel()
	rep, _, err := esmFlagsSite(t, true, map[string]bool{FlagErrorCJSInESMScope: true}, ArchiveZip)
	if err != nil {
		t.Fatalf("zisi bundler: %v", err)
	}
	if r := resultOf(t, rep, "cjs-in-esm"); r.Bundler != "zisi" {
		t.Errorf("bundler %s, want zisi", r.Bundler)
	}
	_, _, err = esmFlagsSite(t, true, map[string]bool{FlagErrorCJSInESMScope: true, FlagTraceWithNft: true}, ArchiveZip)
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 {
		t.Fatalf("got %v, want one failure", err)
	}
	f := be.Failures[0]
	msg := f.Error()
	dir, _ := filepath.Abs("../fixtures/esm-flags/netlify/functions/cjs-in-esm")
	for _, want := range []string{`"cjs-in-esm"`, filepath.Join(dir, "cjs-in-esm.js"), filepath.Join(dir, "package.json"), "rename the file to .cjs", `remove "type": "module"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if f.Name != "cjs-in-esm" || f.Bundler != "nft" || !errors.Is(err, node.ErrCJSInESMScope) {
		t.Errorf("function %s bundler %s, errors.Is ErrCJSInESMScope %v", f.Name, f.Bundler, errors.Is(err, node.ErrCJSInESMScope))
	}
}

// TestTelemetryFlag: zisi leaves ___netlify-telemetry.mjs out unless
// zisi_add_instrumentation_loader is set to true (unset and false are
// both off); then every Node.js archive, v1 and v2, gets it as the
// reference writes it: the service named after the generator, then the
// bootstrap package's instrumentation.js. Directory output names no
// service, as the reference's does.
func TestTelemetryFlag(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml":               "[functions.gen]\ngenerator = \"@netlify/plugin-nextjs@14.13.2\"\n",
		"netlify/functions/gen.js":   "exports.handler = async () => ({ statusCode: 200 });\n",
		"netlify/functions/plain.js": "exports.handler = async () => ({ statusCode: 200 });\n",
		"netlify/functions/v2.mjs":   "export default async () => new Response('v2');\n",
	})
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(flags map[string]bool, format ArchiveFormat) (*Report, string) {
		out := t.TempDir()
		rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "netlify/functions")}, out, Options{Config: &f.Functions, BasePath: site, FeatureFlags: flags, ArchiveFormat: format})
		if err != nil {
			t.Fatal(err)
		}
		return rep, out
	}
	for _, flags := range []map[string]bool{nil, {FlagAddInstrumentationLoader: false}} {
		_, out := build(flags, ArchiveZip)
		for _, name := range []string{"gen", "plain", "v2"} {
			if slices.Contains(zipNames(t, filepath.Join(out, name+".zip")), node.TelemetryName) {
				t.Errorf("flags %v: %s has the telemetry file", flags, name)
			}
		}
	}
	rep, out := build(map[string]bool{FlagAddInstrumentationLoader: true}, ArchiveZip)
	if rep.Bootstrap == nil {
		t.Fatal("no bootstrap package found")
	}
	boot, err := node.FindBootstrap(t.Context(), node.BootstrapOptions{CacheDir: node.DefaultCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	instr, err := os.ReadFile(filepath.Join(boot.Dir, "dist", "telemetry", "instrumentation.js"))
	if err != nil {
		t.Fatal(err)
	}
	for name, head := range map[string]string{
		"gen":   "\nvar SERVICE_NAME = \"netlify-plugin-nextjs\";\nvar SERVICE_VERSION = \"14.13.2\";\n",
		"plain": "\nvar SERVICE_NAME = undefined;\nvar SERVICE_VERSION = undefined;\n",
		"v2":    "\nvar SERVICE_NAME = undefined;\nvar SERVICE_VERSION = undefined;\n",
	} {
		got := string(testfs.ZipEntry(t, filepath.Join(out, name+".zip"), node.TelemetryName))
		if want := head + string(instr) + "\n"; got != want {
			t.Errorf("%s: telemetry file of %d bytes starting %q, want %d bytes starting %q", name, len(got), got[:min(len(got), 80)], len(want), head)
		}
	}
	_, out = build(map[string]bool{FlagAddInstrumentationLoader: true}, ArchiveNone)
	got, err := os.ReadFile(filepath.Join(out, "gen", node.TelemetryName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "\nvar SERVICE_NAME = undefined;\n") {
		t.Errorf("directory output: %q", got[:80])
	}
}

// TestNodeModuleFormatValidated: a library configuration with a
// nodeModuleFormat other than cjs or esm is refused before anything is
// built, naming the pattern and the values.
func TestNodeModuleFormatValidated(t *testing.T) {
	t.Parallel()
	src := testfs.Site(t, map[string]string{"f.js": "exports.handler = async () => ({ statusCode: 200 });\n"})
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "f*", Config: config.FunctionConfig{NodeModuleFormat: "module"}}}}
	_, err := ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{Config: cfg})
	if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), `"f*": nodeModuleFormat "module" is not one of cjs, esm`) {
		t.Errorf("got %v", err)
	}
}

// TestVerifyLoadsModuleScopeEntry: with zisi_pure_esm, a .js function in a
// "type": "module" package ships as ESM beside that package.json, so
// Node.js (and zisi verify, as the platform would) loads its entry as
// ESM, which a file with top-level await needs: require() cannot load it.
func TestVerifyLoadsModuleScopeEntry(t *testing.T) {
	t.Parallel()
	src := testfs.Site(t, map[string]string{
		"tla/package.json": `{"type":"module"}`,
		"tla/tla.js":       "const body = await Promise.resolve('awaited');\nexport const handler = async () => ({ statusCode: 200, body });\n",
	})
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{BasePath: src, FeatureFlags: map[string]bool{FlagPureESM: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := zipNames(t, filepath.Join(out, "tla.zip")); !slices.Equal(got, []string{"package.json", "tla.js"}) || rep.Functions[0].EntryFilename != "tla.js" {
		t.Errorf("entries %q, entry file %s", got, rep.Functions[0].EntryFilename)
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; !r.OK || r.Body != "awaited" {
		t.Errorf("ok=%v body %q error %s", r.OK, r.Body, r.Error)
	}
}
