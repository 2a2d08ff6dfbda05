package node

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/source"
)

// mainsSite is a folder of v2 functions whose main files share local
// modules (imported for different exports), import JSON, a module none
// of whose code is used, TypeScript with a type-only import, packages, a
// missing optional file, another entry, and a glob-style import.
var mainsSite = map[string]string{
	"package.json":                  `{"name":"s","dependencies":{"dep":"1"}}`,
	"node_modules/dep/package.json": `{"name":"dep","version":"1.0.0","main":"index.js"}`,
	"node_modules/dep/index.js":     "module.exports = 'dep'\n",
	"fns/lib/shared.mjs":            "export function alpha() { return 'alpha' }\nexport function beta() { return 'beta' }\n",
	"fns/lib/data.json":             `{"greeting":"hi"}`,
	"fns/lib/types.ts":              "export interface Shape { name: string }\n",
	"fns/lib/util.ts":               "export const shout = (s: string): string => s.toUpperCase()\n",
	"fns/lib/locales/en.mjs":        "export default 'hello'\n",
	"fns/a.mjs": "import { alpha } from './lib/shared.mjs'\nimport data from './lib/data.json'\nimport dep from 'dep'\n" +
		"export default async () => new Response(alpha() + data.greeting + dep)\n",
	"fns/b.mjs": "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n" +
		"import { beta } from './lib/shared.mjs'\nexport default async () => new Response(beta())\n",
	"fns/c.ts": "import type { Shape } from './lib/types.ts'\nimport { shout } from './lib/util.ts'\n" +
		"const s: Shape = { name: 'c' }\nexport default async () => new Response(shout(s.name))\n",
	"fns/d.mjs": "import { alpha } from './lib/shared.mjs'\nlet opt\ntry { opt = await import('./optional.mjs') } catch {}\n" +
		"export default async () => new Response(alpha() + String(opt))\n",
	"fns/e.mjs": "import a from './a.mjs'\nexport default async (req) => a(req)\n",
	"fns/f.mjs": "export default async (req) => {\n  const lang = new URL(req.url).searchParams.get('l')\n" +
		"  const m = await import(`./lib/locales/${lang}.mjs`)\n  return new Response(m.default)\n}\n",
	"fns/lib/unused.mjs": "export const unused = 1\n",
	"fns/h.js":           "import { alpha } from './lib/shared.mjs'\nexport default async () => new Response(alpha())\n",
	"fns/i.js":           "export default async () => new Response('i')\n",
	"fns/g.mjs": "import { beta } from './lib/shared.mjs'\nimport { unused } from './lib/unused.mjs'\n" +
		"export default async () => new Response(beta())\n",
}

// mainInputs are the v2 functions of names in root/fns, on env, with
// cfg.
func mainInputs(t *testing.T, root string, env *Env, cfg config.FunctionConfig, names ...string) []Input {
	t.Helper()
	var ins []Input
	for _, n := range names {
		fn := discoverOne(t, filepath.Join(root, "fns", n))
		a, err := source.AnalyzeFile(fn.MainFile, fn.Name)
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Function: fn, Config: cfg, Analysis: a, Env: env}
		if in.APIVersion() != 2 {
			t.Fatalf("%s is not a v2 function", n)
		}
		ins = append(ins, in)
	}
	return ins
}

// batched counts the main files of ins a batch compiled.
func batched(ins []Input) int {
	n := 0
	for _, in := range ins {
		if c, ok := in.Env.mains.Load(mainKeyOf(in)); ok && c.out != nil {
			n++
		}
	}
	return n
}

// sameBundles builds each of ins, made on an Env PrecompileMains ran
// on, and the same function alone on a fresh Env, and requires the same
// bundle (requireSameBundle).
func sameBundles(t *testing.T, root string, cfg config.FunctionConfig, ins []Input) {
	t.Helper()
	for _, in := range ins {
		alone, err := Build(t.Context(), mainInputs(t, root, NewEnv(root), cfg, filepath.Base(in.Function.MainFile))[0])
		if err != nil {
			t.Fatal(err)
		}
		together, err := Build(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		requireSameBundle(t, in.Function.Name, alone, together)
	}
}

// requireSameBundle requires a function built with others (in one
// esbuild run) to get what it gets built alone: the same generated code,
// inputs, files, glob roots and warnings.
func requireSameBundle(t *testing.T, name string, alone, together *Bundle) {
	t.Helper()
	if len(alone.Generated) == 0 || len(alone.Generated) != len(together.Generated) {
		t.Fatalf("%s: %d generated files alone, %d built with others", name, len(alone.Generated), len(together.Generated))
	}
	for p, data := range alone.Generated {
		if !bytes.Equal(data, together.Generated[p]) {
			t.Errorf("%s: %s differs when built with others:\n%s\n---\n%s", name, p, data, together.Generated[p])
		}
	}
	if !slices.Equal(alone.Inputs, together.Inputs) {
		t.Errorf("%s: inputs differ:\nalone   %q\ntogether %q", name, alone.Inputs, together.Inputs)
	}
	if !slices.Equal(alone.SrcFiles, together.SrcFiles) {
		t.Errorf("%s: files differ:\nalone   %q\ntogether %q", name, alone.SrcFiles, together.SrcFiles)
	}
	if !slices.Equal(alone.GlobRoots, together.GlobRoots) {
		t.Errorf("%s: glob roots differ: %q, %q", name, alone.GlobRoots, together.GlobRoots)
	}
	if len(alone.Warnings) != len(together.Warnings) {
		t.Errorf("%s: %d warnings alone, %d built with others", name, len(alone.Warnings), len(together.Warnings))
	}
}

// TestPrecompiledMainsMatchCompilingAlone: compiling v2 main files
// together in one esbuild run (PrecompileMains) must give each function
// the very code, inputs and files of compiling its own, or an archive
// would depend on which functions share its folder.
func TestPrecompiledMainsMatchCompilingAlone(t *testing.T) {
	t.Parallel()
	root := writeSite(t, mainsSite)
	// h and i compile to CommonJS (no "type": "module"), as a batch of
	// their own whose outputs are named like their inputs.
	names := []string{"a.mjs", "b.mjs", "d.mjs", "e.mjs", "f.mjs", "g.mjs", "h.js", "i.js"}
	for _, cfg := range []config.FunctionConfig{{}, {NodeSourcemap: new(true)}} {
		env := NewEnv(root)
		ins := mainInputs(t, root, env, cfg, names...)
		PrecompileMains(t.Context(), ins)()
		// e imports another entry and f a glob: both compile alone.
		if n := batched(ins); n != len(names)-2 {
			t.Fatalf("sourcemap %v: %d of %d main files came from the batch, want all but e and f", cfg.NodeSourcemap != nil, n, len(names))
		}
		sameBundles(t, root, cfg, ins)
	}

	// TypeScript compiles to CommonJS here (no "type": "module"): a batch
	// of its own.
	env := NewEnv(root)
	ins := mainInputs(t, root, env, config.FunctionConfig{}, "c.ts", "a.mjs")
	ts := ins[0]
	ts.Function.Name = "c2"
	PrecompileMains(t.Context(), append(ins, ts))()
	if n := batched(ins); n != 0 {
		t.Fatalf("%d main files batched, though no two share options", n)
	}
	sameBundles(t, root, config.FunctionConfig{}, ins)
}

// TestPrecompiledMainsLeaveWarningsToTheirFunction: a batch that warns
// is not used, so each warning lands on the function whose code caused
// it, as when compiling alone.
func TestPrecompiledMainsLeaveWarningsToTheirFunction(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"package.json": `{"name":"s"}`,
		"fns/a.js":     "export default async () => new Response(String(import.meta.url))\n",
		"fns/b.js":     "export default async () => new Response('b')\n",
	}
	root := writeSite(t, files)
	env := NewEnv(root)
	ins := mainInputs(t, root, env, config.FunctionConfig{}, "a.js", "b.js")
	PrecompileMains(t.Context(), ins)()
	if n := batched(ins); n != 0 {
		t.Fatalf("%d main files taken from a batch that warned", n)
	}
	a, err := Build(t.Context(), ins[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(t.Context(), ins[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Warnings) == 0 || len(b.Warnings) != 0 {
		t.Errorf("warnings: a %v, b %v; want import.meta's on a only", a.Warnings, b.Warnings)
	}
}
