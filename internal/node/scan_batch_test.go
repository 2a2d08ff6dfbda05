package node

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/resolver"
)

// TestBatchScanMatchesSingleScans: a batch scan (files imported by one
// generated entry point, free of side effects) finds for every file what
// scanning it alone finds: imports, glob-style requires and their roots,
// warnings for requires it cannot follow, ESM detection (export only,
// top-level await, import.meta, a type-only TypeScript file) and syntax
// errors landing on the file that has them.
func TestBatchScanMatchesSingleScans(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"export-only.js":   "export const a = 1;\n",
		"tla.mjs":          "await Promise.resolve(1);\n",
		"tla.js":           "await Promise.resolve(1);\nconst x = require('x');\n",
		"meta.js":          "console.log(import.meta.url);\n",
		"cjs.js":           "const a = require('a'); module.exports = a;\n",
		"glob.js":          "const l = process.env.L; module.exports = require(`./locales/${l}.json`);\n",
		"glob2.js":         "module.exports = (n) => require('./locales/' + n);\n",
		"dyn.js":           "const n = process.argv[2]; require(n); import(n);\n",
		"ts.ts":            "import type { A } from './a'; export const b: number = 1;\n",
		"tsonly.ts":        "export type A = number;\n",
		"mixed.js":         "import x from 'x'; module.exports = x;\n",
		"empty.js":         "",
		"dir/nested.js":    "require('../cjs.js'); require('./sibling');\n",
		"dir/package.json": `{"type":"module"}`,
		"dir/typed.js":     "const a = 1;\n",
		"locales/en.json":  `{"a":1}`,
		"locales/fr.json":  `{"a":2}`,
		"strict.js":        "with (a) { b }\n",
		"octal.js":         "var x = 010; export {}\n",
		"jsx.jsx":          "export default () => <div/>;\n",
		"hashbang.js":      "#!/usr/bin/env node\nrequire('q');\n",
		"reqres.js":        "require.resolve('r'); require('./dir/typed.js');\n",
		"expstar.js":       "export * from 'y';\n",
		"imp.js":           "import 'side';\n",
	}
	testfs.Write(t, dir, files)
	var paths []string
	for n := range files {
		if p := filepath.Join(dir, n); scannable(p) {
			paths = append(paths, p)
		}
	}
	if len(paths) < 2 {
		t.Fatal("no batch")
	}
	batch := NewScanner(resolver.OS()).scanFiles(context.Background(), paths)
	for _, p := range paths {
		single := NewScanner(resolver.OS()).scanFiles(context.Background(), []string{p})[p]
		if !reflect.DeepEqual(batch[p], single) {
			t.Errorf("%s:\nbatch  %+v\nsingle %+v", p, batch[p], single)
		}
	}
	at := func(n string) *scanned { return batch[filepath.Join(dir, n)] }
	if g := at("glob.js"); len(g.globFiles) != 2 || len(g.globRoots) != 1 {
		t.Errorf("glob.js: glob files %v, roots %v; want both locales and their folder", g.globFiles, g.globRoots)
	}
	for _, n := range []string{"export-only.js", "tla.mjs", "meta.js", "tsonly.ts"} {
		if !at(n).esm {
			t.Errorf("%s: not detected as ESM", n)
		}
	}
	if at("cjs.js").esm || at("strict.js").syntax == nil || len(at("dyn.js").warnings) != 2 {
		t.Errorf("cjs.js esm %v, strict.js syntax %v, dyn.js warnings %d; want false, an error, 2", at("cjs.js").esm, at("strict.js").syntax, len(at("dyn.js").warnings))
	}
}
