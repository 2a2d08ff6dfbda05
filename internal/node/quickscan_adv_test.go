package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/resolver"
)

// advCase is a file for TestQuickScanAdversarial: its extension (.js when
// empty) and its source.
type advCase struct{ name, ext, src string }

// advCases are inputs built to mislead a lexer.
var advCases = []advCase{
	{"require in ESM", "", "export {};\nrequire('a');\n"},
	{"eval and require", "", "eval('var require');\nrequire('a');\n"},
	{"static block await", "", "class A { static { x(); } }\nrequire('a');\n"},
	{"arrow newline body", "", "const f = async (a) =>\n{ await a; };\nmodule.exports = f;\n"},
	{"generator await", "", "async function* f() { yield await x; }\nmodule.exports = f;\n"},
	{"private method await", "", "class A { async #m() { await x; } }\nmodule.exports = A;\n"},
	{"object key class", "", "x = { class: 1, async m() { await y; } };\nmodule.exports = x;\n"},
	{"await in try", "", "try { await import('x'); } catch (e) {}\n"},
	{"await in block", "", "{ await 0; }\n"},
	{"await in if", "", "if (x) { await y; }\n"},
	{"await in object", "", "x = { a: await y };\n"},
	{"await in a .cjs block", ".cjs", "{ await 0; }\n"},
	{"await in a class key", "", "class A extends f() { [await x]() {} }\nmodule.exports = A;\n"},
	{"await in an object key", "", "x = { async m() {}, [await y]: 1 };\n"},
	{"arrow await module", "", "import a from 'a';\nconst f = async () => await a;\nmodule.exports = f;\n"},
	{"arrow await cjs", ".cjs", "import a from 'a';\nconst f = async () => await a;\n"},
	{"arrow body await", "", "const f = async () => { await import('a'); };\nmodule.exports = f;\n"},
	{"function await", "", "async function f() { for await (const x of y) { await x; } }\nmodule.exports = f;\n"},
	{"method await", "", "class A extends B { async m() { await x; } }\nx = { async n() { await y; }, get z() { return 1; } };\nmodule.exports = A;\n"},
	{"Allman function await", "", "async function f()\n{ await x; }\nmodule.exports = f;\n"},
	{"call then block await", "", "f()\n{ await x; }\n"},
	{"await in template", "", "x = `${await y}`;\n"},
	{"await in .mjs block", ".mjs", "import a from 'a';\nif (a) { await a; }\n"},
	{"for await in a block", "", "{ for await (const x of y) {} }\n"},
	{"this with import", "", "import a from 'a';\nthis.x = 1;\n"},
	{"arrow this with import", "", "import a from 'a';\nconst f = () => this;\n"},
	{"this in a function with import", "", "import a from 'a';\nfunction f() { return this; }\n"},
	{"this in .mjs", ".mjs", "this.x = 1;\n"},
	{"this with export", "", "export const x = this;\n"},
	{"eval module", "", "import a from 'a';\neval('module');\n"},
	{"eval", "", "import a from 'a';\neval('1');\n"},
	{"indirect eval", "", "import a from 'a';\n(0, eval)('module');\n"},
	{"dead do-while", "", "if (false) do x(); while (require('a'));\n"},
	{"dead else do-while", "", "if (true) a(); else do b(); while (require('a'));\n"},
	{"dead labelled do-while", "", "if (false) l: do x(); while (require('a'));\n"},
	{"do-while after if", "", "if (false) x();\ndo y(); while (require('a'));\n"},
	{"for await regexp", "", "async function f() { for await (const x of y) /require('x')/.test(x); }\n"},
	{"extends regexp", "", "class A extends /require('x')/.constructor {}\n"},
	{"break regexp", "", "for (;;) { break\n/require('x')/.test(y) }\n"},
	{"break label regexp", "", "a: for (;;) { break a\n/require('x')/.test(y) }\n"},
	{"continue regexp", "", "for (;;) { continue /* \n */ /require('x')/.test(y) }\n"},
	{"debugger regexp", "", "debugger\n/require('x')/.test(y)\n"},
	{"var regexp", "", "var x\n/require('x')/.test(y)\n"},
	{"let list regexp", "", "let x, y // c\n/require('x')/.test(y)\n"},
	{"division on a new line", "", "x = a\n/require('b')/1;\n"},
	{"division after a property", "", "x = a.b\n/require('b')/1;\n"},
	{"invalid UTF-8", "", "require('\xff');\n"},
	{"invalid UTF-8 import", "", "import a from '\xc3(';\n"},
	{"encoded surrogate", "", "export * from '\xed\xa0\x80';\n"},
	{"invalid UTF-8 elsewhere", "", "// \xff\nconst s = '\xfe';\nrequire('a');\n"},
	{"typeof require call", "", "typeof require('a');\n"},
	{"typeof require call 2", "", "module.exports = typeof require('a');\n"},
	{"typeof require then call", "", "if (typeof require === 'function') {}\nx = typeof require\n('b');\n"},
	{"import require", "", "import require from 'a';\nrequire('b');\n"},
	{"import {require}", "", "import { require } from 'a';\nrequire('b');\n"},
	{"import * as require", "", "import * as require from 'a';\nrequire('b');\n"},
	{"import {x as require}", "", "import { x as require } from 'a';\nrequire('b');\n"},
	{"assert", "", "import x from 'y' assert { type: 'json' };\n"},
	{"after return", "", "function f() { return; require('x'); }\n"},
	{"while false", "", "while (false) require('x');\n"},
	{"for false", "", "for (;false;) require('x');\n"},
	{"dead try finally", "", "if (false) try { a() } finally { require('b') }\n"},
	{"require and import same", "", "require('a'); import('a');\n"},
	{"import and require same", "", "import a from 'a'; require('a');\n"},
	{"export default import", "", "export default import('x');\n"},
	{"export default", "", "export { default } from 'x';\n"},
	{"export comment", "", "export /*c*/ { a } from 'b';\n"},
	{"import comment", "", "import /*c*/ x from 'y';\n"},
	{"import( comment", "", "import(/*c*/'a');\nrequire(/*c*/'b'/*d*/);\n"},
	{"crlf", "", "require('a');\r\nrequire('b');\r\n"},
	{"cr comment", "", "// x\rrequire('a');\n"},
	{"ls in string", "", "require('a\u2028b');\n"},
	{"template escaped $", "", "x = `\\${require('a')}`;\n"},
	{"template $$", "", "x = `$${require('a')}`;\n"},
	{"regexp class", "", "x = /[/]require('a')/;\n"},
	{"number dots", "", "x = 1..toString(require('a'));\n"},
	{"hex exp", "", "x = 0x1e-5; require('a');\n"},
	{"dot5", "", "x = .5/require('a')/1;\n"},
	{"private require", "", "class A { #require = 1; m() { return this.#require('x'); } }\n"},
	{"label", "", "label: require('a');\n"},
	{"try catch require", "", "try { require('a'); } catch (e) {}\n"},
	{"finally require", "", "try { x() } finally { require('a'); }\n"},
	{"do while", "", "do require('a'); while (0);\n"},
	{"module.exports this mjs", ".mjs", "this.x = 1;\n"},
	{"import.meta cjs", ".cjs", "require('a');\nimport.meta.url;\n"},
	{"import.meta.require", "", "import.meta.require('x');\n"},
	{"new.target", "", "function f() { return new.target; }\nrequire('a');\n"},
	{"require.resolve", "", "require.resolve('a');\n"},
	{"require.resolve try", "", "try { require.resolve('a'); } catch {}\n"},
	{"if semicolon", "", "if (false);\nrequire('a');\n"},
	{"arrow await no esm", "", "const f = async () => { await import('a'); };\n"},
	{"division after word nl", "", "x = a\n/require('b')/1;\n"},
	{"html close", "", "x = 1;\n--> require('a')\n"},
	{"template nested", "", "x = `${`${require('a')}`}${{a: require('b')}.a}`;\n"},
	{"object key import", "", "x = { import: 1 };\n"},
	{"using await", "", "import a from 'a';\nawait using x = a;\nmodule.exports = 1;\n"},
	{"getter require", "", "x = { get require() { return 1; } };\n"},
	{"bom hashbang", "", "\uFEFF#!/x\nrequire('a');\n"},
	{"hashbang crlf", "", "#!/usr/bin/env node\r\nrequire('a');\r\n"},
	{"typeof module", "", "import a from 'a';\ntypeof module;\n"},
	{"await in arrow expr mjs", ".mjs", "const f = async () => await a;\n"},
	{"for await top", "", "import a from 'a';\nfor await (const x of a) {}\nmodule.exports = 1;\n"},
	{"dirname", "", "import a from 'a';\n__dirname;\n"},
	{"require.cache", "", "import a from 'a';\nrequire.cache;\n"},
	{"require ident", "", "import a from 'a';\nx = typeof require;\n"},
	{"delete this", "", "import a from 'a';\nfunction f() { return this; }\n"},
	{"global", "", "import a from 'a';\nglobal.x = 1;\n"},
	{"arguments", "", "import a from 'a';\nfunction f() { return arguments; }\n"},
	{"new Function", "", "import a from 'a';\nnew Function('module');\n"},
	{"eval prop", "", "import a from 'a';\nx.eval('module');\n"},
	{"dead module", "", "import a from 'a';\nif (false) module.exports = 1;\n"},
	{"await in class field arrow", "", "class A { f = async () => { await x; } }\nmodule.exports = A;\n"},
	{"null optional", "", "null?.(require('a'));\n"},
	{"void cond", "", "void 0, require('a');\n"},
	{"comma and", "", "x = (0, 1) && 2;\nrequire('a');\n"},
	{"string concat", "", "require('a' + 'b');\n"},
	{"template no subst", "", "require(`a`);\nimport(`b`);\n"},
	{"if paren req", "", "if (require('a')) {}\n"},
	{"switch disc", "", "switch (require('a')) {}\n"},
	{"while req", "", "while (require('a')) break;\n"},
	{"else block", "", "if (x) y(); else { }\nrequire('a');\n"},
	{"empty try require", "", "try {} finally { require('a'); }\n"},
	{"try catch empty body", "", "try { ; } catch { require('a'); }\n"},
	{"label break dead", "", "a: { break a; require('x'); }\n"},
	{"after throw", "", "function f() { throw 1; require('x'); }\n"},
	{"import in export default", "", "export default { a: import('x') };\n"},
	{"import meta in fn", "", "function f() { return import.meta.url; }\nmodule.exports = f;\n"},
	{"import meta cjs module", ".cjs", "module.exports = import.meta.url;\n"},
	{"export in cjs module", ".cjs", "export const a = 1;\nmodule.exports = 2;\n"},
	{"mjs require", ".mjs", "require('a');\n"},
	{"mjs this", ".mjs", "import a from 'a';\nthis.x = a;\n"},
	{"html close after comment", "", "/* x */ --> y\nrequire('a');\n"},
	{"lt lt", "", "x = a << require('a');\ny = a <= require('b');\n"},
	{"regex after =>", "", "f = () => /require('a')/;\n"},
	{"regex in template subst", "", "x = `${/}require('a')/.source}`;\n"},
	{"string brace in subst", "", "x = `${'}'}${require('a')}`;\n"},
	{"nested template object", "", "x = `${ { a: `${ { b: require('a') }.b }` }.a }`;\n"},
	{"optional call import", "", "a?.import('x');\nrequire('b');\n"},
	{"keyword prop", "", "x.if; x.for(1) / 2; x.return / require('a') / 1;\n"},
	{"class private in", "", "class A { #x; static h(o) { return #x in o; } }\nrequire('a');\n"},
	{"getter set", "", "x = { get a() { return 1 }, set a(v) {} };\nrequire('a');\n"},
	{"async ident", "", "async / 2;\nrequire('a');\n"},
	{"let ident", "", "let = 1;\nrequire('a');\n"},
	{"yield ident", "", "yield = 1;\nrequire('a');\n"},
	{"of", "", "for (const x of [1]) require('a');\n"},
	{"in regex", "", "'a' in /require('a')/;\n"},
	{"case regex", "", "switch (x) { case /require('a')/: }\n"},
	{"void regex", "", "void /require('a')/;\n"},
	{"unicode string import", "", "import a from 'é';\nrequire('日本');\n"},
	{"nbsp", "", "require('a');\u00a0\n"},
	{"ls code", "", "require('a');\u2028require('b');\n"},
	{"vt ff", "", "require('a');\v\frequire('b');\n"},
	{"number dot member", "", "x = 1.0.require('a');\n"},
	{"number then import", "", "x = 1.\nimport('a');\n"},
	{"exp number", "", "x = 1e3.toString(); require('a');\n"},
	{"bigint", "", "x = 0x1fn / 2n; require('a');\n"},
	{"regex u flag", "", "x = /\\u{61}/u; require('a');\n"},
	{"export async", "", "export async function f() { await import('a'); }\n"},
	{"export default arrow await", "", "export default async () => await import('a');\n"},
}

// TestQuickScanAdversarial: on inputs built to mislead a lexer (regular
// expressions where a division could be, bindings that shadow require,
// code esbuild proves dead, module format signals far from import and
// export), quickScan either leaves the file to esbuild or finds what
// esbuild's scan finds.
func TestQuickScanAdversarial(t *testing.T) {
	pkgs := make([]pkgFile, len(advCases))
	for i, c := range advCases {
		pkgs[i] = pkgFile{ext: c.ext, src: c.src}
	}
	paths := writePackages(t, pkgs)
	s := NewScanner(resolver.OS())
	ref := s.scanFiles(context.Background(), paths)
	for i, c := range advCases {
		if got := s.quick(paths[i]); got != nil && !sameScan(got, ref[paths[i]]) {
			t.Errorf("%s: %q\n  quickScan %s\n  esbuild   %s", c.name, c.src, fmtScanned(got), fmtScanned(ref[paths[i]]))
		}
	}
}

// TestQuickScanRandomFragments: files composed at random (from a fixed
// seed) of statements and expressions that mislead lexers, nested in
// blocks, functions and dead branches; on every one esbuild can parse,
// quickScan either leaves it to esbuild or finds what esbuild's scan finds.
func TestQuickScanRandomFragments(t *testing.T) {
	const files = 400
	r := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	contents := map[string]string{}
	paths := make([]string, files)
	srcs := make([]string, files)
	for i := range files {
		g := fragments{r: r}
		var b strings.Builder
		for range 1 + r.IntN(5) {
			b.WriteString(g.stmt(0))
			b.WriteString(pick(r, "\n", " ", "\r\n", ";\n", "\n\n"))
		}
		ext := pick(r, ".js", ".js", ".js", ".cjs", ".mjs")
		pkg := fmt.Sprintf("node_modules/r%03d/", i)
		contents[pkg+"package.json"] = fmt.Sprintf(`{"name":"r%03d"}`, i)
		contents[pkg+"index"+ext] = b.String()
		paths[i], srcs[i] = filepath.Join(dir, pkg+"index"+ext), b.String()
	}
	testfs.Write(t, dir, contents)
	s := NewScanner(resolver.OS())
	ref := s.scanFiles(context.Background(), paths)
	compared := 0
	for i, p := range paths {
		got, w := s.quick(p), ref[p]
		if got == nil || w.syntax != nil {
			continue // esbuild's, or a file no one can load
		}
		compared++
		if !sameScan(got, w) {
			t.Errorf("%q\n  quickScan %s\n  esbuild   %s", srcs[i], fmtScanned(got), fmtScanned(w))
		}
	}
	t.Logf("compared %d of %d files", compared, files)
	if compared < files/5 {
		t.Errorf("compared %d of %d files; want more of them claimed and parsable", compared, files)
	}
}

// fragments composes random source.
type fragments struct {
	r *rand.Rand
	n int
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

// expr is an expression.
func (g *fragments) expr() string {
	return pick(g.r,
		"require('a')", "require(\"b\")", "import('c')", "require.resolve('d')", "typeof require",
		"typeof require('e')", "module.exports", "exports.x", "this", "x / 2 / y", "/re'/g.test(x)",
		"/[/]require('f')/", "`t${require('g')}${`${x}`}`", "`\\${require('h')}`", "0 && require('i')",
		"x ? require('j') : 1", "a?.require('k')", "1..toString()", ".5 / require('l') / 1", "x++",
		"x.import('m')", "module.require('n')", "{ require: 1, import: 2 }.require", "(require)('o')",
		"require /* c */ ('p')", "require(/* c */ 'q')", "a <= b << c < d", "0x1e-5", "#x in y",
		"async () => await require('r')", "() => this", "function () { return this }", "eval('1')",
		"import.meta.url", "x\n/require('s')/1", "void 0 ? x : require('t')", "new require('u')",
		"`${{ a: require('v') }.a}`", "'\\u2028'", "'a\u2028b'", "require('w\u00e9')", "await y",
	)
}

// stmt is a statement; at depth 0 it may be an import or export.
func (g *fragments) stmt(depth int) string {
	g.n++
	if depth < 3 && g.r.IntN(3) == 0 {
		inner := func() string { return g.stmt(depth + 1) }
		switch g.r.IntN(16) {
		case 0:
			return "if (false) " + inner()
		case 1:
			return "if (x) " + inner() + "\nelse " + inner()
		case 2:
			return "{ " + inner() + " }"
		case 3:
			return fmt.Sprintf("function f%d() { %s }", g.n, inner())
		case 4:
			return fmt.Sprintf("async function g%d()\n{ %s }", g.n, inner())
		case 5:
			return "try { " + inner() + " } catch (e) { " + inner() + " }"
		case 6:
			return "try {} catch { " + inner() + " }"
		case 7:
			return "for (;;) { " + inner() + " break; }"
		case 8:
			return "do " + inner() + " while (0);"
		case 9:
			return "switch (x) { case 1: " + inner() + " }"
		case 10:
			return fmt.Sprintf("l%d: %s", g.n, inner())
		case 11:
			return "x = async () => { " + inner() + " };"
		case 12:
			return fmt.Sprintf("class C%d extends f() { m() { %s } }", g.n, inner())
		case 13:
			return "/* c\n */ " + inner()
		case 14:
			return "while (0) " + inner()
		case 15:
			return "for await (const z of y) " + inner()
		}
	}
	if depth == 0 && g.r.IntN(4) == 0 {
		return pick(g.r,
			"import a from 'x1';", "import * as b from 'x2';", "import { c as d, 'e' as f } from 'x3';",
			"import 'x4';", "export const q = 1;", "export * from 'x5';", "export { default } from 'x6';",
			"export default import('x7');", "import require from 'x8';", "export /* c */ { a } from 'x9';",
			"import /* c */ g from 'y1';", "export default /re/;",
		)
	}
	switch g.r.IntN(8) {
	case 0:
		return pick(g.r, "var require = 1;", "debugger;", "'use strict';", "let v\n/require('z')/g;",
			"return;", "x = { require: 1, import: 2 };", "var x", "async function h() { await x; }")
	case 1:
		return "x = " + g.expr() + "\n"
	}
	return g.expr() + ";"
}
