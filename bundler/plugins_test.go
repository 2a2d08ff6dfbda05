package bundler

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// pluginsFolderSite has packages only Netlify's plugins folder holds, a
// function of the site using them, and a function an extension installed
// there, which uses its own packages and one of the site's.
var pluginsFolderSite = map[string]string{
	"package.json":                                       `{"name":"site","dependencies":{"sitepkg":"1.0.0"}}`,
	"node_modules/sitepkg/package.json":                  `{"name":"sitepkg","version":"1.0.0","main":"index.js","dependencies":{"plugdep":"1.0.0"}}`,
	"node_modules/sitepkg/index.js":                      "module.exports = 'site+' + require('plugdep')\n",
	"node_modules/shared/package.json":                   `{"name":"shared","version":"1.0.0","main":"index.js"}`,
	"node_modules/shared/index.js":                       "module.exports = 'site shared'\n",
	".netlify/plugins/package.json":                      `{"name":"netlify-local-plugins","private":true}`,
	".netlify/plugins/node_modules/plug/package.json":    `{"name":"plug","version":"2.0.0","main":"index.js"}`,
	".netlify/plugins/node_modules/plug/index.js":        "module.exports = 'plug'\n",
	".netlify/plugins/node_modules/plugdep/package.json": `{"name":"plugdep","version":"1.0.0","main":"index.js"}`,
	".netlify/plugins/node_modules/plugdep/index.js":     "module.exports = 'plugdep'\n",
	"fns/uses-plug.js": "const plug = require('plug'), site = require('sitepkg')\n" +
		"exports.handler = async () => ({ statusCode: 200, body: plug + ' ' + site })\n",
	".netlify/plugins/node_modules/ext/package.json": `{"name":"ext","version":"1.0.0","type":"module"}`,
	".netlify/plugins/node_modules/ext/functions/ext-fn.mjs": "import plug from 'plug'\nimport shared from 'shared'\n" +
		"export default async () => new Response(plug + ' ' + shared)\n",
}

// TestPluginsFolderFunctions: every bundler finds a package the site
// lacks in .netlify/plugins/node_modules and ships it under
// node_modules; an extension's function is rooted at .netlify/plugins and
// a site package it uses ships under node_modules too. Each archive
// loads and answers in node.
func TestPluginsFolderFunctions(t *testing.T) {
	t.Parallel()
	for _, bundler := range []string{"zisi", "esbuild", "nft"} {
		t.Run(bundler, func(t *testing.T) {
			t.Parallel()
			site := testfs.Site(t, pluginsFolderSite)
			cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{NodeBundler: bundler}}}}
			names, results := buildAndVerify(t, site, filepath.Join(site, "fns"), cfg)
			if r := results["uses-plug"]; !r.OK || r.StatusCode != 200 || r.Body != "plug site+plugdep" {
				t.Errorf("uses-plug: ok=%v status %d body %q error %s", r.OK, r.StatusCode, r.Body, r.Error)
			}
			for _, n := range names["uses-plug"] {
				if strings.Contains(n, ".netlify") {
					t.Errorf("uses-plug: entry %q keeps the plugins folder", n)
				}
			}
			if bundler == "esbuild" {
				return // plug and sitepkg are bundled in
			}
			for _, n := range []string{"node_modules/plug/index.js", "node_modules/plugdep/index.js"} {
				if !slices.Contains(names["uses-plug"], n) {
					t.Errorf("uses-plug: %s missing from %q", n, names["uses-plug"])
				}
			}
		})
	}
	site := testfs.Site(t, pluginsFolderSite)
	names, results := buildAndVerify(t, site, filepath.Join(site, ".netlify/plugins/node_modules/ext/functions"), config.Config{})
	if r := results["ext-fn"]; !r.OK || r.StatusCode != 200 || r.Body != "plug site shared" {
		t.Errorf("ext-fn: ok=%v status %d body %q error %s", r.OK, r.StatusCode, r.Body, r.Error)
	}
	for _, n := range []string{"node_modules/ext/functions/ext-fn.mjs", "node_modules/plug/index.js", "node_modules/shared/index.js"} {
		if !slices.Contains(names["ext-fn"], n) {
			t.Errorf("ext-fn: %s missing from %q", n, names["ext-fn"])
		}
	}
}
