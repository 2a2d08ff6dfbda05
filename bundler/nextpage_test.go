package bundler

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
)

// buildAndVerify builds every function of srcDir for a site and loads
// each archive alone in node; it returns the archives' entry names and
// the verification results by function.
func buildAndVerify(t *testing.T, site, srcDir string, cfg config.Config) (map[string][]string, map[string]verify.Result) {
	t.Helper()
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{srcDir}, out, Options{Config: &cfg, BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]string{}
	for _, fn := range rep.Functions {
		names[fn.Name] = zipNames(t, fn.Path)
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]verify.Result{}
	for _, r := range results {
		byName[r.Name] = r
	}
	return names, byName
}

// TestNextOnNetlifyPage: a next-on-netlify function ships the Next.js
// files renderNextPage reaches, not the whole of next, and loads; a
// missing critters is fine on Next.js 10 (the tiny next here is made
// for the test: the real one is hundreds of megabytes).
func TestNextOnNetlifyPage(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{
		"package.json":                   `{"name":"site","dependencies":{"next":"^10.0.0"}}`,
		"fns/page/page.js":               "const render = require('./renderNextPage')\nexports.handler = async () => ({ statusCode: 200, body: render({}) })\n",
		"fns/page/renderNextPage.js":     "module.exports = require('next/dist/server/render')\n",
		"node_modules/next/package.json": `{"name":"next","version":"10.0.5","main":"index.js"}`,
		"node_modules/next/index.js":     "module.exports = require('./dist/big')\n",
		"node_modules/next/dist/big.js":  "module.exports = 'the rest of next'\n",
		"node_modules/next/dist/server/render.js": "const constants = require('next/dist/lib/constants')\n" +
			"module.exports = (opts) => { if (opts.optimizeCss) require('critters'); return 'rendered ' + constants.NAME }\n",
		"node_modules/next/dist/lib/constants.js": "module.exports = { NAME: 'page' }\n",
	})
	cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{NodeBundler: "zisi"}}}}
	names, results := buildAndVerify(t, site, filepath.Join(site, "fns"), cfg)
	want := []string{"fns/page/page.js", "fns/page/renderNextPage.js", "node_modules/next/dist/lib/constants.js", "node_modules/next/dist/server/render.js", "page.js"}
	got := slices.Sorted(slices.Values(names["page"]))
	if !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	if r := results["page"]; !r.OK || r.StatusCode != 200 || r.Body != "rendered page" {
		t.Errorf("page: ok=%v status %d body %q error %s", r.OK, r.StatusCode, r.Body, r.Error)
	}
}
