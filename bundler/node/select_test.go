package node

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/bundler/source"
	"github.com/zisi-build/zisi/config"
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

// TestMergeSource is §4.3: in-source values win, arrays are appended,
// included files replace and move their base to the main file's folder,
// and a key set to an invalid value still erases the netlify.toml one.
func TestMergeSource(t *testing.T) {
	t.Parallel()
	yes := true
	toml := config.FunctionConfig{
		Timeout: 30, Name: "From toml", Schedule: "@daily", ExternalNodeModules: []string{"a"},
		IncludedFiles: []string{"data/**"}, IncludedFilesBasePath: "/site", Background: &yes, NodeVersion: "20",
	}
	a, err := source.Analyze(`export default async () => new Response("")
export const config = {
  timeout: "abc", name: 5, schedule: "@hourly", externalNodeModules: ["b"],
  includedFiles: ["assets/*"], path: ["/x", "/y"], method: "post", preferStatic: true,
  rateLimit: { windowLimit: 10, windowSize: 60 },
}`, ".mjs", "fn")
	if err != nil {
		t.Fatal(err)
	}
	got := MergeSource(toml, a.Config, "/site/netlify/functions/fn.mjs")
	checks := []struct {
		what string
		ok   bool
	}{
		{"invalid timeout erases toml's", got.Timeout == 0},
		{"invalid name erases toml's", got.Name == ""},
		{"schedule from source", got.Schedule == "@hourly"},
		{"external modules appended", slices.Equal(got.ExternalNodeModules, []string{"a", "b"})},
		{"included files replaced", slices.Equal(got.IncludedFiles, []string{"assets/*"})},
		{"included files base is the main file's folder", got.IncludedFilesBasePath == "/site/netlify/functions"},
		{"keys the source does not set are kept", got.Background != nil && *got.Background && got.NodeVersion == "20"},
		{"paths", slices.Equal(got.Path, []string{"/x", "/y"})},
		{"method upper-cased", slices.Equal(got.Method, []string{"POST"})},
		{"preferStatic", got.PreferStatic != nil && *got.PreferStatic},
		{"rateLimit", got.RateLimit != nil && got.RateLimit.WindowLimit == 10 && got.RateLimit.WindowSize == 60},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.what, got)
		}
	}
	if got := MergeSource(toml, nil, "/x.js"); got.Timeout != 30 || got.Name != "From toml" {
		t.Errorf("no source configuration must keep netlify.toml's: %+v", got)
	}
}
