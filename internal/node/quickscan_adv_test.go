package node

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/resolver"
)

// advCase is a file for TestQuickScanAdversarial: its extension (.js when
// empty) and its source.
type advCase struct{ name, ext, src string }

// advCases are inputs built to mislead a lexer.
var advCases = []advCase{
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
}

// TestQuickScanAdversarial: on inputs built to mislead a lexer (regular
// expressions where a division could be, bindings that shadow require,
// code esbuild proves dead, module format signals far from import and
// export), quickScan either leaves the file to esbuild or finds what
// esbuild's scan finds.
func TestQuickScanAdversarial(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	paths := make([]string, len(advCases))
	for i, c := range advCases {
		pkg := fmt.Sprintf("node_modules/p%03d/", i)
		files[pkg+"package.json"] = fmt.Sprintf(`{"name":"p%03d"}`, i)
		files[pkg+"index"+cmp.Or(c.ext, ".js")] = c.src
		paths[i] = filepath.Join(dir, pkg+"index"+cmp.Or(c.ext, ".js"))
	}
	testfs.Write(t, dir, files)
	s := NewScanner(resolver.OS())
	ref := s.scanFiles(context.Background(), paths)
	for i, c := range advCases {
		if got := s.quick(paths[i]); got != nil && !sameScan(got, ref[paths[i]]) {
			t.Errorf("%s: %q\n  quickScan %s\n  esbuild   %s", c.name, c.src, fmtScanned(got), fmtScanned(ref[paths[i]]))
		}
	}
}
