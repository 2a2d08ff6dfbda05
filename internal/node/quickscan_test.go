package node

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/resolver"
)

// TestQuickScanCases: quickScan finds what esbuild's scan finds (imports
// and module format) in the package files it claims, and leaves to
// esbuild the ones where tokens alone cannot tell, naming the reason.
func TestQuickScanCases(t *testing.T) {
	cases := []struct {
		name, src string
		ext, typ  string   // the file's extension (.js when empty), its package's "type"
		want      []string // kind:specifier, sorted, when claimed
		esm       bool
		refused   string // a substring of the reason, when refused
	}{
		{name: "requires", src: "const a = require('a');\nconst b = require(\"b\").x;\nrequire('a');\n", want: []string{"require-call:a", "require-call:b"}},
		{name: "not code", src: "// require('c')\n/* require('d') */\nconst s = 'require(\"e\")';\nconst r = /require\\('f'\\)/g;\nconst t = `require('g')`;\n"},
		{name: "substitution", src: "const t = `x${require('h')}y${`${require('i')}`}`;\n", want: []string{"require-call:h", "require-call:i"}},
		{name: "require.resolve", src: "const p = require.resolve('j');\n"},
		{name: "dynamic import", src: "module.exports = () => import('k');\n", want: []string{"dynamic-import:k"}},
		{name: "typeof a call", src: "module.exports = typeof require('l') === 'object';\n", want: []string{"require-call:l"}},
		{name: "typeof", src: "if (typeof require === 'function') {}\nmodule.exports = require('l');\n", want: []string{"require-call:l"}},
		{name: "after an if block", src: "if (a) { b(); } else { c(); }\nif (d) e();\nrequire('m');\n", want: []string{"require-call:m"}},
		{name: "loops and functions", src: "for (;;) { require('n'); break; }\nwhile (x) require('o');\nfunction f() { return require('p'); }\n", want: []string{"require-call:n", "require-call:o", "require-call:p"}},
		{name: "division and regexps", src: "const a = b / 2 / c;\nif (x) /re/.test(y);\nconst d = (e) / f, g = [1] / 2, h = 1 << 2, i = j <= k;\nrequire('q');\n", want: []string{"require-call:q"}},
		{name: "member named require", src: "x.require('r');\na.module.require('s');\nx.import('s');\nrequire('t');\n", want: []string{"require-call:t"}},
		{name: "hashbang", src: "#!/usr/bin/env node\nrequire('u');\n", want: []string{"require-call:u"}},
		{name: "BOM", src: "\uFEFFrequire('u');\n", want: []string{"require-call:u"}},
		{name: "private name", src: "class A { #x = 1; get() { return this.#x; } }\nrequire('v');\n", want: []string{"require-call:v"}},
		{name: "cjs", ext: ".cjs", src: "module.exports = require('v');\n", want: []string{"require-call:v"}},

		{name: "imports", src: "import a from 'a';\nimport * as b from \"b\";\nimport c, { d, e as f, 'g-h' as g } from 'c';\nimport {} from 'e';\nimport 'side';\nconst x = require('r');\n",
			want: []string{"import-statement:a", "import-statement:b", "import-statement:c", "import-statement:e", "require-call:r", "import-statement:side"}, esm: true},
		{name: "re-exports", src: "export * from 'a';\nexport * as b from 'b';\nexport { c, d as dd } from 'c';\nconst e = 1;\nexport { e };\nexport default /re/;\n",
			want: []string{"import-statement:a", "import-statement:b", "import-statement:c"}, esm: true},
		{name: "export declarations", src: "export const a = 1;\nexport function b() { return import('x'); }\nexport default class {}\n", want: []string{"dynamic-import:x"}, esm: true},
		{name: "import.meta", src: "console.log(import.meta.url);\n", esm: true},
		{name: "top-level await", src: "import a from 'a';\nconst b = await a;\n", want: []string{"import-statement:a"}, esm: true},
		{name: "import in a .cjs file", ext: ".cjs", src: "import a from 'a';\n", want: []string{"import-statement:a"}},
		{name: "import and module in a .cjs file", ext: ".cjs", src: "import a from 'a';\nmodule.exports = a;\n", want: []string{"import-statement:a"}},
		{name: "no syntax, type module", typ: "module", src: "const a = 1;\n"},
		{name: "import, type commonjs", typ: "commonjs", src: "import a from 'a';\n", want: []string{"import-statement:a"}, esm: true},
		{name: "mjs without syntax", ext: ".mjs", src: "const a = 1;\n", esm: true},

		{name: "parameter", src: "function f(require) { return require('w'); }\n", refused: "not a call of the global"},
		{name: "variable", src: "var require = x;\nrequire('w');\n", refused: "not a call of the global"},
		{name: "module.require", src: "module.require('w');\n", refused: "module.require"},
		{name: "module[require]", src: "module['require']('w');\n", refused: "module.require"},
		{name: "(module).require", src: "(module).require('w');\n", refused: "module.require"},
		{name: "new", src: "new require('w');\n", refused: "not a call of the global"},
		{name: "if body", src: "if (false) require('w');\n", refused: "conditional"},
		{name: "if block", src: "if (false) { require('w'); }\n", refused: "conditional"},
		{name: "else", src: "if (x) {} else { require('w'); }\n", refused: "conditional"},
		{name: "and", src: "0 && require('w');\n", refused: "conditional"},
		{name: "ternary", src: "module.exports = true ? 1 : require('w');\n", refused: "conditional"},
		{name: "catch", src: "try {} catch { require('w'); }\n", refused: "conditional"},
		{name: "switch", src: "switch (1) { case 2: require('w'); }\n", refused: "conditional"},
		{name: "conditional import()", src: "x || import('w');\n", refused: "conditional"},
		{name: "variable argument", src: "require(name);\n", refused: "literal call"},
		{name: "concatenation", src: "require('./' + name);\n", refused: "literal call"},
		{name: "template argument", src: "require(`w`);\n", refused: "literal call"},
		{name: "not UTF-8", src: "require('\xc2');\nexport {} from '\xc2';\n", refused: "UTF-8"},
		{name: "escape", src: "require('\\x77');\n", refused: "literal call"},
		{name: "import attributes", src: "import a from 'w' with { type: 'json' };\n", refused: "import attributes"},
		{name: "import inside a block", src: "{ import a from 'w'; }\n", refused: "inside brackets"},
		{name: "phase import", src: "import defer * as a from 'w';\n", refused: "declaration"},
		{name: "await alone", src: "const a = await b;\n", refused: "top-level await"},
		{name: "import and module", src: "import a from 'a';\nmodule.exports = a;\n", refused: "module format"},
		{name: "JSX", src: "module.exports = () => <div/>;\n", refused: "JSX"},
		{name: "HTML-like comment", src: "x = 1;\n<!-- require('w')\n", refused: "HTML-like"},
		{name: "slash after brace", src: "{}\n/require('w')/g.test(x);\n", refused: "\"/\""},
		{name: "slash after ++", src: "a++ / 2;\n", refused: "\"/\""},
		{name: "decorator", src: "@dec class A {}\n", refused: "character"},
		{name: "non-ASCII identifier", src: "const é = require('w');\n", refused: "non-ASCII"},
		{name: "line separator in comment", src: "// a\u2028require('w');\n", refused: "line separator"},
		{name: "unterminated string", src: "const a = 'w;\n", refused: "unterminated string"},
		{name: "unterminated template", src: "const a = `w${b}\n", refused: "unterminated template"},
		{name: "unbalanced", src: "function f() {\n", refused: "unbalanced"},
		{name: "mismatched", src: "f(];\n", refused: "unbalanced"},
	}
	pkgs := make([]pkgFile, len(cases))
	for i, c := range cases {
		pkgs[i] = pkgFile{c.ext, c.typ, c.src}
	}
	paths := writePackages(t, pkgs)
	s := NewScanner(resolver.OS())
	ref := s.scanFiles(context.Background(), paths)
	for i, c := range cases {
		got := s.quick(paths[i])
		if c.refused != "" {
			res, why := quickScan([]byte(c.src))
			if got != nil || !strings.Contains(why, c.refused) && !(strings.Contains(c.refused, "module format") && why == "") {
				t.Errorf("%s: quickScan gave %q (%+v); want it refused for %q", c.name, why, res, c.refused)
			}
			continue
		}
		if got == nil {
			_, why := quickScan([]byte(c.src))
			t.Errorf("%s: refused: %q", c.name, why)
			continue
		}
		var imports []string
		for _, imp := range got.imports {
			imports = append(imports, string(imp.Kind)+":"+imp.Specifier)
		}
		if !slices.Equal(imports, c.want) || got.esm != c.esm {
			t.Errorf("%s: imports %v, esm %v; want %v, %v", c.name, imports, got.esm, c.want, c.esm)
		}
		if w := ref[paths[i]]; !sameScan(got, w) {
			t.Errorf("%s: quickScan %s; esbuild's scan %s", c.name, fmtScanned(got), fmtScanned(w))
		}
	}
}

// pkgFile is a package's main file: its extension (.js when empty), its
// package.json "type" and its source.
type pkgFile struct{ ext, typ, src string }

// writePackages writes each file as the index of a package of its own in
// a temporary node_modules, and returns their paths in order.
func writePackages(t *testing.T, pkgs []pkgFile) []string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{}
	paths := make([]string, len(pkgs))
	for i, p := range pkgs {
		pkg := fmt.Sprintf("node_modules/p%03d/", i)
		files[pkg+"package.json"] = fmt.Sprintf(`{"name":"p%03d","type":%q}`, i, p.typ)
		files[pkg+"index"+cmp.Or(p.ext, ".js")] = p.src
		paths[i] = filepath.Join(dir, pkg+"index"+cmp.Or(p.ext, ".js"))
	}
	testfs.Write(t, dir, files)
	return paths
}

// sameScan reports whether a quickScan result says what esbuild's does.
func sameScan(quick, esbuild *scanned) bool {
	return slices.Equal(quick.imports, esbuild.imports) && quick.esm == esbuild.esm &&
		esbuild.syntax == nil && esbuild.nesting == nil && len(esbuild.warnings) == 0 && len(esbuild.globFiles) == 0
}

// TestQuickScanMatchesEsbuildOnPackages: on every CommonJS file of the
// fixtures' installed node_modules trees that the Scanner leaves to
// quickScan, esbuild's scan finds the same thing; and quickScan does take
// most files (else it would save nothing).
func TestQuickScanMatchesEsbuildOnPackages(t *testing.T) {
	t.Parallel()
	roots, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "*", "node_modules"))
	if err != nil || len(roots) == 0 {
		t.Fatalf("no installed fixtures (run make): %v", err)
	}
	files := corpusFiles(t, roots...)
	if raceEnabled {
		// esbuild runs ten times slower under the race detector.
		files = slices.DeleteFunc(files, func(p string) bool { return len(p)%8 != 0 })
	}
	claimed, diffs := quickScanDiffs(t, files)
	t.Logf("quickScan took %d of %d files", claimed, len(files))
	for _, d := range diffs {
		t.Error(d)
	}
	if claimed < len(files)*2/5 {
		t.Errorf("quickScan took %d of %d files; want at least 40%%", claimed, len(files))
	}
}

// corpusFiles lists the .js, .cjs and .mjs files inside node_modules under
// roots, as absolute paths.
func corpusFiles(t *testing.T, roots ...string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		root, err := filepath.Abs(root)
		if err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := filepath.Ext(p)
			if d.Type().IsRegular() && strings.Contains(p, "/node_modules/") && (ext == ".js" || ext == ".cjs" || ext == ".mjs") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// quickScanDiffs runs the Scanner's quickScan path on files and esbuild's
// scan on those it claims: how many it claimed, and where the two differ.
func quickScanDiffs(t *testing.T, files []string) (claimed int, diffs []string) {
	t.Helper()
	quick, ref := NewScanner(resolver.OS()), NewScanner(resolver.OS())
	got := map[string]*scanned{}
	var mine []string
	for _, p := range files {
		if res := quick.quick(p); res != nil {
			got[p] = res
			mine = append(mine, p)
		}
	}
	for batch := range slices.Chunk(mine, scanBatch) {
		want := ref.scanFiles(context.Background(), batch)
		for _, p := range batch {
			if w := want[p]; !sameScan(got[p], w) {
				diffs = append(diffs, fmt.Sprintf("%s:\n  quickScan %s\n  esbuild   %s", p, fmtScanned(got[p]), fmtScanned(w)))
			}
		}
	}
	return len(mine), diffs
}

// fmtScanned shows a scan result for a failure message.
func fmtScanned(s *scanned) string {
	var b strings.Builder
	for _, i := range s.imports {
		fmt.Fprintf(&b, "%s:%s ", i.Kind, i.Specifier)
	}
	if s.esm {
		b.WriteString("esm ")
	}
	if s.syntax != nil {
		fmt.Fprintf(&b, "syntax error %q ", s.syntax.Text)
	}
	fmt.Fprintf(&b, "(%d warnings, %d glob files, nesting %v)", len(s.warnings), len(s.globFiles), s.nesting)
	return b.String()
}
