package node

import (
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
)

// replaySite has two functions sharing packages whose analysis does each
// kind of thing a replay must repeat: a package.json shipped on the way
// to a main file, a relative import that is missing, an ESM package file,
// a package reached through an exports map, a special case (semver's
// preload file), an import of the runtime's AWS SDK, a package found only
// in the plugins folder (a pick of its own) and a file nested too deeply
// to parse (a warning). b.mjs is ESM, so its trace compiles the ESM files
// it reaches to CommonJS, which reads the parents and module formats the
// replay must have recorded.
var replaySite = func() fstest.MapFS {
	m := replayFiles
	deep := ""
	for range 2100 {
		deep += "["
	}
	for range 2100 {
		deep += "]"
	}
	m["site/node_modules/deep/index.js"] = mapFile("module.exports = require('dep') + " + deep + ";\n")
	return m
}()

var replayFiles = fstest.MapFS{
	"site/package.json":                                       mapFile(`{"name":"site"}`),
	"site/fns/a.js":                                           mapFile("const p = require('pkg');\nconst s = require('semver');\nexports.handler = async () => ({ statusCode: 200, body: p + s });\n"),
	"site/fns/b.mjs":                                          mapFile("import p from 'pkg';\nimport e from 'esm-pkg';\nexport const handler = async () => ({ statusCode: 200, body: p + e });\n"),
	"site/node_modules/pkg/package.json":                      mapFile(`{"name":"pkg","version":"1.0.0","main":"lib/index.js"}`),
	"site/node_modules/pkg/lib/index.js":                      mapFile("let gone; try { gone = require('./gone'); } catch {}\nmodule.exports = require('./util') + require('dep') + require('@aws-sdk/client-s3');\n"),
	"site/node_modules/pkg/lib/util.js":                       mapFile("module.exports = require('ex') + require('deep') + require('plugged');\n"),
	"site/node_modules/deep/package.json":                     mapFile(`{"name":"deep","version":"1.0.0"}`),
	"site/.netlify/plugins/node_modules/plugged/package.json": mapFile(`{"name":"plugged","version":"1.0.0"}`),
	"site/.netlify/plugins/node_modules/plugged/index.js":     mapFile("module.exports = 'plugged';\n"),
	"site/node_modules/dep/package.json":                      mapFile(`{"name":"dep","version":"2.0.0"}`),
	"site/node_modules/dep/index.js":                          mapFile("module.exports = 2;\n"),
	"site/node_modules/ex/package.json":                       mapFile(`{"name":"ex","version":"1.0.0","exports":{".":{"require":"./req.cjs","import":"./imp.mjs"}}}`),
	"site/node_modules/ex/req.cjs":                            mapFile("module.exports = 'req';\n"),
	"site/node_modules/ex/imp.mjs":                            mapFile("export default 'imp';\n"),
	"site/node_modules/esm-pkg/package.json":                  mapFile(`{"name":"esm-pkg","version":"1.0.0","type":"module","main":"index.js"}`),
	"site/node_modules/esm-pkg/index.js":                      mapFile("import d from 'dep';\nimport p from 'pkg';\nexport default d + p;\n"),
	"site/node_modules/semver/package.json":                   mapFile(`{"name":"semver","version":"7.0.0","main":"index.js"}`),
	"site/node_modules/semver/index.js":                       mapFile("module.exports = require('./classes');\n"),
	"site/node_modules/semver/classes/index.js":               mapFile("module.exports = 7;\n"),
	"site/node_modules/semver/preload.js":                     mapFile("module.exports = require('./classes');\n"),
	"site/node_modules/@aws-sdk/client-s3/index.js":           mapFile("exports.S3 = class {};\n"),
	"site/node_modules/@aws-sdk/client-s3/package.json":       mapFile(`{"name":"@aws-sdk/client-s3","version":"3.0.0"}`),
}

// TestTraceReplaysPackageAnalyses: a function traced after others in the
// same build, which replays what analysing their package files did,
// gets exactly the bundle it gets traced alone: files, inputs, compiled
// files, module format, picks, missing files and warnings.
func TestTraceReplaysPackageAnalyses(t *testing.T) {
	t.Parallel()
	fn := func(name, ext string) discover.Function {
		return discover.Function{Name: name, MainFile: "/site/fns/" + name + ext, SrcDir: "/site/fns", SrcPath: "/site/fns/" + name + ext,
			Filename: name + ext, Extension: ext, Runtime: discover.RuntimeJS, Kind: discover.KindFile}
	}
	fns := []discover.Function{fn("a", ".js"), fn("b", ".mjs")}
	cfg := config.FunctionConfig{NodeBundler: config.BundlerNft}
	build := func(env *Env, f discover.Function) *Bundle {
		t.Helper()
		b, err := Build(t.Context(), Input{Function: f, Config: cfg, Env: env})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b.sel = nil // compared through Selection
		return b
	}
	alone := map[string]*Bundle{}
	for _, f := range fns {
		alone[f.Name] = build(NewEnvFS(replaySite, "/site"), f)
	}
	shared := NewEnvFS(replaySite, "/site")
	// a, b, a, b: b replays what a's trace analysed, the second a and b
	// replay every package file.
	for _, f := range append(fns, fns...) {
		got, want := build(shared, f), alone[f.Name]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s after other functions of the build:\n%+v\nalone:\n%+v", f.Name, got, want)
		}
	}
	if _, ok := shared.analyses.Load(analysisKey{file: "/site/node_modules/pkg/lib/index.js", base: "/site", fallback: "/site/.netlify/plugins/node_modules", nodeMajor: config.NodeMajorOrDefault("")}); !ok {
		t.Fatal("pkg/lib/index.js's analysis was not kept for replay")
	}
	// What the site is for: each of these is something a replay repeats.
	a := alone["a"]
	for _, f := range []string{"/site/node_modules/semver/preload.js", "/site/node_modules/ex/req.cjs", "/site/node_modules/pkg/package.json"} {
		if !contains(a.SrcFiles, f) {
			t.Errorf("a does not ship %s: %q", f, a.SrcFiles)
		}
	}
	if !contains(a.Missing, "/site/node_modules/pkg/lib/gone") {
		t.Errorf("a's missing files: %q", a.Missing)
	}
	if len(a.Warnings) != 1 || a.Warnings[0].File != "/site/node_modules/deep/index.js" {
		t.Errorf("a's warnings: %+v, want deep/index.js's nesting", a.Warnings)
	}
	plugged := false
	for _, p := range a.Selection.Files {
		plugged = plugged || p.Why == WhyPluginsModules
	}
	if !plugged {
		t.Errorf("a ships nothing from the plugins folder: %+v", a.Selection.Files)
	}
	if _, ok := alone["b"].Generated["/site/node_modules/esm-pkg/index.js"]; !ok {
		t.Errorf("b did not compile esm-pkg to CommonJS: generated %v", keys(alone["b"].Generated))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
