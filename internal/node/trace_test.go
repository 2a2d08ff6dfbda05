package node

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
)

func mapFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

// traceSite is an in-memory site for the tracer: an ESM v1 function with
// a local import, a package with an exports map (module-sync for Node.js
// 22), a CommonJS package reached from it, the AWS SDK and a file outside
// the base directory.
var traceSite = fstest.MapFS{
	"site/package.json":                                 mapFile(`{"name":"site"}`),
	"site/fns/esm.js":                                   mapFile("import ms from 'ms';\nimport { greet } from './lib/greet.js';\nimport ex from 'ex';\nimport { S3 } from '@aws-sdk/client-s3';\nimport '/elsewhere/outside.js';\nexport const handler = async () => ({ statusCode: 200, body: greet(ms(1000)) + ex });\n"),
	"site/fns/lib/greet.js":                             mapFile("export const greet = (x) => `hello ${x}`;\n"),
	"site/fns/lib/unused.js":                            mapFile("export const nope = 1;\n"),
	"elsewhere/outside.js":                              mapFile("export {};\n"),
	"site/node_modules/ms/package.json":                 mapFile(`{"name":"ms","version":"2.1.3","main":"./index"}`),
	"site/node_modules/ms/index.js":                     mapFile("module.exports = (n) => n + 'ms';\n"),
	"site/node_modules/ms/readme.md":                    mapFile("docs\n"),
	"site/node_modules/ex/package.json":                 mapFile(`{"name":"ex","version":"1.0.0","main":"./legacy.js","exports":{".":{"module-sync":"./sync.mjs","require":"./req.cjs","import":"./imp.mjs"}}}`),
	"site/node_modules/ex/legacy.js":                    mapFile("module.exports = require('dep');\n"),
	"site/node_modules/ex/sync.mjs":                     mapFile("export default 'sync';\n"),
	"site/node_modules/ex/req.cjs":                      mapFile("module.exports = 'req';\n"),
	"site/node_modules/ex/imp.mjs":                      mapFile("export default 'imp';\n"),
	"site/node_modules/dep/package.json":                mapFile(`{"name":"dep","version":"1.0.0"}`),
	"site/node_modules/dep/index.js":                    mapFile("module.exports = 1;\n"),
	"site/node_modules/@aws-sdk/client-s3/package.json": mapFile(`{"name":"@aws-sdk/client-s3","version":"3.0.0","main":"index.js"}`),
	"site/node_modules/@aws-sdk/client-s3/index.js":     mapFile("exports.S3 = class {};\n"),
}

// TestTraceOnMapFS runs the file tracer on an in-memory site: what ships
// for each Node.js version, why, and what is left out.
func TestTraceOnMapFS(t *testing.T) {
	t.Parallel()
	fn := discover.Function{Name: "esm", MainFile: "/site/fns/esm.js", SrcDir: "/site/fns", SrcPath: "/site/fns/esm.js",
		Filename: "esm.js", Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindFile}
	common := []string{
		"/site/fns/esm.js", "/site/fns/lib/greet.js",
		"/site/node_modules/ms/index.js", "/site/node_modules/ms/package.json",
		"/site/node_modules/ex/package.json", "/site/node_modules/ex/legacy.js",
		"/site/node_modules/dep/index.js",
	}
	cases := []struct {
		node      string
		extra     []string
		notShiped []string
	}{
		// Before Node.js 22 the import condition; from 22 module-sync,
		// with the require fallback an older loader would take.
		{"20", []string{"/site/node_modules/ex/imp.mjs"}, []string{"/site/node_modules/ex/sync.mjs", "/site/node_modules/ex/req.cjs"}},
		{"22", []string{"/site/node_modules/ex/sync.mjs", "/site/node_modules/ex/req.cjs"}, []string{"/site/node_modules/ex/imp.mjs"}},
	}
	for _, tc := range cases {
		env := NewEnvFS(traceSite, "/site")
		b, err := Build(t.Context(), Input{Function: fn, Config: config.FunctionConfig{NodeBundler: config.BundlerNft, NodeVersion: tc.node}, Env: env})
		if err != nil {
			t.Fatalf("node %s: %v", tc.node, err)
		}
		for _, want := range append(slices.Clone(common), tc.extra...) {
			if !slices.Contains(b.SrcFiles, want) {
				t.Errorf("node %s: %s not shipped; shipped %q", tc.node, want, b.SrcFiles)
			}
		}
		for _, no := range append([]string{"/site/fns/lib/unused.js", "/site/node_modules/ms/readme.md", "/elsewhere/outside.js", "/site/node_modules/@aws-sdk/client-s3/index.js"}, tc.notShiped...) {
			if slices.Contains(b.SrcFiles, no) {
				t.Errorf("node %s: %s shipped", tc.node, no)
			}
		}
		// The ESM files were compiled to CommonJS from the in-memory
		// source.
		if code := string(b.Generated["/site/fns/esm.js"]); !strings.Contains(code, "require(\"ms\")") && !strings.Contains(code, "require('ms')") {
			t.Errorf("node %s: esm.js not compiled to CommonJS:\n%s", tc.node, code)
		}
		why := map[string]Pick{}
		for _, p := range append(b.Selection.Files, b.Selection.Omitted...) {
			why[p.Path] = p
		}
		for path, want := range map[string]Why{
			"/site/fns/esm.js":                               WhyMain,
			"/site/fns/lib/greet.js":                         WhyTraced,
			"/site/node_modules/@aws-sdk/client-s3/index.js": WhyRuntimeSDK,
			"/elsewhere/outside.js":                          WhyOutsideBase,
		} {
			if why[path].Why != want {
				t.Errorf("node %s: %s: %+v, want %q", tc.node, path, why[path], want)
			}
		}
		if p := why["/site/fns/lib/greet.js"]; p.Via != "/site/fns/esm.js" {
			t.Errorf("greet.js via %q", p.Via)
		}
	}
}

// TestTreeFilesOnMapFS: a directory function's files, read through the
// resolver: dotfiles, node_modules and junk left out, a symlinked
// directory walked under its link name.
func TestTreeFilesOnMapFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"f/index.js":            mapFile(""),
		"f/data/a.json":         mapFile(""),
		"f/.env":                mapFile(""),
		"f/.DS_Store":           mapFile(""),
		"f/x.js~":               mapFile(""),
		"f/node_modules/p/i.js": mapFile(""),
		"f/shared":              &fstest.MapFile{Data: []byte("../lib"), Mode: fs.ModeSymlink | 0o777},
		"lib/util.js":           mapFile(""),
	}
	env := NewEnvFS(fsys, "/")
	got, err := TreeFiles(t.Context(), env.Resolver, "/f")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/f/data/a.json", "/f/index.js", "/f/shared/util.js"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
