package node

import (
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/source"
)

// TestSelect is the reference's bundler selection (§6), rule by rule, with
// the source analysed for real.
func TestSelect(t *testing.T) {
	t.Parallel()
	const (
		v1CJS = "exports.handler = async () => ({ statusCode: 200 })\n"
		v1ESM = "export const handler = async () => ({ statusCode: 200 })\n"
		v2    = "export default async () => new Response('ok')\n"
	)
	cases := []struct {
		file, src, nodeBundler string
		bundler, reason        string
	}{
		{"f.js", v1CJS, "", "zisi", ReasonZisiDefault},
		{"f.cjs", v1CJS, "", "zisi", ReasonZisiDefault},
		{"f.js", v1ESM, "", "nft", ReasonESMDefault},
		{"f.js", "exports.handler = async () => import('./x.mjs')\n", "", "nft", ReasonESMDefault}, // import() counts, as in es-module-lexer
		{"f.cjs", "exports.handler = async () => import('./x.mjs')\n", "", "zisi", ReasonZisiDefault},
		{"f.mjs", v1ESM, "", "esbuild", ReasonEsbuildExt},
		{"f.ts", v1ESM, "", "esbuild", ReasonEsbuildExt},
		{"f.tsx", v1ESM, "", "esbuild", ReasonEsbuildExt},
		{"f.mts", v1ESM, "", "esbuild", ReasonEsbuildExt},
		{"f.cts", v1ESM, "", "esbuild", ReasonEsbuildExt},
		{"f.ts", v1ESM, "zisi", "zisi", ReasonConfigOverride},
		{"f.js", v1CJS, "esbuild_zisi", "esbuild_zisi", ReasonConfigOverride},
		{"f.js", v1ESM, "none", "none", ReasonConfigOverride},
		{"f.js", v2, "", "nft", ReasonV2},
		{"f.mjs", v2, "", "nft", ReasonV2},
		{"f.ts", v2, "esbuild", "nft", ReasonV2}, // a configured bundler is ignored for v2
		{"f.ts", v2, "zisi", "nft", ReasonV2},
		{"f.js", v2, "none", "none", ReasonNoneOverride},
		{"f.cjs", "module.exports.default = async () => new Response('')\n", "", "nft", ReasonV2},
		{"f.js", "export default async () => {}\nexport const handler = () => {}\n", "", "nft", ReasonESMDefault}, // handler export: v1
	}
	for _, tc := range cases {
		root := writeSite(t, map[string]string{tc.file: tc.src})
		fn := discoverOne(t, filepath.Join(root, tc.file))
		a, err := source.Analyze(tc.src, filepath.Ext(tc.file), fn.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, r := Select(Input{Function: fn, Config: config.FunctionConfig{NodeBundler: tc.nodeBundler}, Analysis: a})
		if b != tc.bundler || r != tc.reason {
			t.Errorf("%s %q (node_bundler %q): got %s/%s, want %s/%s", tc.file, tc.src, tc.nodeBundler, b, r, tc.bundler, tc.reason)
		}
	}
}
