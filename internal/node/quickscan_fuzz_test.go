package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/resolver"
)

// FuzzQuickScan: quickScan never panics, and on every package file it
// claims that esbuild can parse, esbuild's scan finds the same imports and
// module format. (quickScan finds no syntax errors: a package file that
// does not parse has its imports followed, where esbuild's scan skips it.)
func FuzzQuickScan(f *testing.F) {
	for _, seed := range []string{
		"const a = require('a');\nmodule.exports = a;\n",
		"import a, { b as c } from 'a';\nexport * from 'b';\nexport const d = import('e');\n",
		"if (x) /re/.test(y); else require('z');\n",
		"const t = `${require('h')}${`${'}'}`}`;\n",
		"a = b / c / d;\nrequire('q');\n",
		"x = typeof require('l') ? 1 : 2;\n",
		"module.exports = () => import('k');\n",
		"export { a as default } from './x.js';\n",
		"#!/usr/bin/env node\nrequire('u')\n",
		"class A { #x = 1; static { require('s'); } }\n",
	} {
		f.Add(seed)
	}
	dir := filepath.Join(f.TempDir(), "node_modules", "p")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "index.js")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		if _, why := quickScan([]byte(src)); why != "" {
			return
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		s := NewScanner(resolver.OS())
		got := s.quick(path)
		if got == nil {
			return // the module format is esbuild's to tell
		}
		if want := s.scanFiles(t.Context(), []string{path})[path]; want.syntax == nil && !sameScan(got, want) {
			t.Errorf("%q:\n  quickScan %s\n  esbuild   %s", src, fmtScanned(got), fmtScanned(want))
		}
	})
}
