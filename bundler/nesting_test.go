package bundler

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestDeepNesting: a file nested deep enough to overflow esbuild's parser
// stack (100000 levels; the process used to die with a fatal "stack
// overflow", exit 2) fails its function alone, whichever bundler would
// hand it to esbuild and however it is reached; the other functions
// build.
func TestDeepNesting(t *testing.T) {
	t.Parallel()
	const n = 100000
	parens := strings.Repeat("(", n) + "1" + strings.Repeat(")", n)
	array := strings.Repeat("[", n) + strings.Repeat("]", n)
	templates := strings.Repeat("`${", n) + "1" + strings.Repeat("}`", n)
	arrows := strings.Repeat("()=>", n) + "1"
	handler := "exports.handler = async () => ({ statusCode: 200 })\n"
	src := testfs.Site(t, map[string]string{
		"package.json": `{"dependencies":{"deep-pkg":"1.0.0"}}`,
		// zisi: the main file, and a file it requires.
		"main-deep.js":   "exports.handler = async () => " + parens + "\n",
		"import-deep.js": "require('./lib/arrows.js')\n" + handler,
		"lib/arrows.js":  "module.exports = " + arrows + "\n",
		// esbuild (TypeScript), through a file it imports, a JSON file,
		// and a package whose package.json esbuild would read.
		"ts-deep.ts":                         "import t from './lib/templates'\nexport const handler = async () => ({ statusCode: 200, body: String(t) })\n",
		"lib/templates.ts":                   "export default " + templates + "\n",
		"json-deep.ts":                       "import d from './lib/data.json'\nexport const handler = async () => ({ statusCode: 200, body: String(d) })\n",
		"lib/data.json":                      array,
		"pkg-deep.ts":                        "import p from 'deep-pkg'\nexport const handler = async () => ({ statusCode: 200, body: String(p) })\n",
		"node_modules/deep-pkg/package.json": `{"name":"deep-pkg","version":"1.0.0","main":"index.js","x":` + array + `}`,
		"node_modules/deep-pkg/index.js":     "module.exports = 1\n",
		// nft: an ESM function, traced, whose import nests too deep.
		"nft-deep.js":    "import x from './lib/nft.mjs'\nexport const handler = async () => ({ statusCode: 200, body: String(x) })\n",
		"lib/nft.mjs":    "export default " + parens + "\n",
		"ok.js":          handler,
		"ok-ts.ts":       "export const handler = async () => ({ statusCode: 200 })\n",
		"lib/shallow.js": "module.exports = " + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100) + "\n",
		"ok-import.js":   "require('./lib/shallow.js')\n" + handler,
	})
	out := t.TempDir()
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{NodeVersion: "22"}}}}
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Config: cfg, BasePath: src, CacheDir: t.TempDir()})
	if !errors.Is(err, ErrNesting) {
		t.Fatalf("got %v, want ErrNesting", err)
	}
	failed := map[string]string{}
	for _, f := range rep.Failures {
		failed[f.Name] = f.Error()
		var ne *NestingError
		if !errors.As(f, &ne) {
			t.Errorf("%s: %v is no *NestingError", f.Name, f)
		}
	}
	want := map[string]string{
		"main-deep":   `function "main-deep" (js, zisi): ` + filepath.Join(src, "main-deep.js") + ": nesting deeper than 2000 levels at line 1; esbuild's parser would overflow its stack on it; split",
		"import-deep": `function "import-deep" (js, zisi): ` + filepath.Join(src, "lib/arrows.js") + ": nesting deeper than 2000 levels at line 1;",
		"ts-deep":     `function "ts-deep" (js, esbuild): ` + filepath.Join(src, "lib/templates.ts") + ": nesting deeper",
		"json-deep":   `function "json-deep" (js, esbuild): ` + filepath.Join(src, "lib/data.json") + ": nesting deeper",
		"pkg-deep":    `function "pkg-deep" (js, esbuild): ` + filepath.Join(src, "node_modules/deep-pkg/package.json") + ": nesting deeper",
		"nft-deep":    `function "nft-deep" (js, nft): ` + filepath.Join(src, "lib/nft.mjs") + ": nesting deeper",
	}
	for name, prefix := range want {
		if !strings.HasPrefix(failed[name], prefix) {
			t.Errorf("%s:\n got %s\nwant %s…", name, failed[name], prefix)
		}
	}
	if len(failed) != len(want) {
		t.Errorf("failures: %v", failed)
	}
	var built []string
	for _, f := range rep.Functions {
		built = append(built, f.Name)
	}
	slices.Sort(built)
	if fmt.Sprint(built) != "[ok ok-import ok-ts]" {
		t.Errorf("built %v, want ok, ok-import and ok-ts", built)
	}
}

// TestDeepNestingListing: listing a function's files plans it as a build
// does; a deep file is that function's warning there, not a crash.
func TestDeepNestingListing(t *testing.T) {
	t.Parallel()
	src := testfs.Site(t, map[string]string{
		"deep.js": "exports.handler = " + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + "\n",
		"ok.js":   "exports.handler = async () => ({ statusCode: 200 })\n",
	})
	ls, err := ListFunctionsFiles(t.Context(), []string{src}, Options{BasePath: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Warnings) != 1 || ls.Warnings[0].Function != "deep" || !strings.Contains(ls.Warnings[0].Message, "deep.js: nesting deeper than 2000 levels at line 1") {
		t.Errorf("warnings %v", ls.Warnings)
	}
	if len(ls.Files) != 1 || ls.Files[0].Name != "ok" {
		t.Errorf("files %v", ls.Files)
	}
}
