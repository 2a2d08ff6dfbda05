package node

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/source"
)

// TestPrebuiltBundlesMatchSingleBuilds: bundling functions together in
// one esbuild run (PrebuildEsbuild) must give each the very bytes, inputs
// and warnings of a build of its own, or archives would depend on which
// functions happen to be built together.
func TestPrebuiltBundlesMatchSingleBuilds(t *testing.T) {
	t.Parallel()
	site, _ := filepath.Abs("../../fixtures/modern")
	names := []string{"cts-v1.cts", "mts-v1.mts", "mjs-v1.mjs", "ts-v1.ts", "tsx-v1.tsx"}
	inputs := func(env *Env) []Input {
		var ins []Input
		for _, n := range names {
			fn := discoverOne(t, filepath.Join(site, "netlify", "functions", n))
			a, err := source.AnalyzeFile(fn.MainFile, fn.Name)
			if err != nil {
				t.Fatal(err)
			}
			ins = append(ins, Input{Function: fn, Config: config.FunctionConfig{}, Analysis: a, Env: env})
		}
		return ins
	}
	batched := NewEnv(site)
	ins := inputs(batched)
	PrebuildEsbuild(t.Context(), ins)
	if len(batched.prebuilt) != len(names) {
		t.Fatalf("prebuilt %d of %d functions", len(batched.prebuilt), len(names))
	}
	for i, in := range inputs(NewEnv(site)) {
		alone, err := Build(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		together, err := Build(t.Context(), ins[i])
		if err != nil {
			t.Fatal(err)
		}
		requireSameBundle(t, names[i], alone, together)
	}
}

// TestPrebuiltBundleNeedsTheSamePlan: a bundle made ahead is reused only
// for the configuration it was made with; a function built with another
// (here another external module) is bundled again.
func TestPrebuiltBundleNeedsTheSamePlan(t *testing.T) {
	t.Parallel()
	root := writeSite(t, map[string]string{
		"package.json":                  `{"name":"s","dependencies":{"dep":"1"}}`,
		"node_modules/dep/package.json": `{"name":"dep","version":"1.0.0"}`,
		"node_modules/dep/index.js":     "module.exports = 'dep'\n",
		"fns/a.mjs":                     "import d from 'dep'\nexport const handler = async () => ({ statusCode: 200, body: d })\n",
		"fns/b.mjs":                     "import d from 'dep'\nexport const handler = async () => ({ statusCode: 200, body: d })\n",
	})
	env := NewEnv(root)
	var ins []Input
	for _, f := range []string{"a.mjs", "b.mjs"} {
		ins = append(ins, Input{Function: discoverOne(t, filepath.Join(root, "fns", f)), Config: config.FunctionConfig{NodeBundler: "esbuild"}, Env: env})
	}
	PrebuildEsbuild(t.Context(), ins)
	other := ins[0]
	other.Config.ExternalNodeModules = []string{"dep"}
	b, err := Build(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.SrcFiles, filepath.Join(root, "node_modules/dep/index.js")) {
		t.Errorf("built from the prebuilt bundle of another plan: dep is not shipped as an external (%q)", b.SrcFiles)
	}
}
