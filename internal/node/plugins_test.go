package node

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zisi-build/zisi/config"
)

// pluginsSite has packages that only Netlify's plugins folder holds: a
// Next.js file without package.json, a package with a dependency, and a
// site package whose dependency is only there.
var pluginsSite = fstest.MapFS{
	"site/package.json": mapFile(`{"name":"site","dependencies":{"sitepkg":"1.0.0"}}`),
	"site/fns/page/page.js": mapFile("require('./renderNextPage')\nrequire('plug')\nrequire('sitepkg')\n" +
		"exports.handler = async () => ({ statusCode: 200 })\n"),
	"site/fns/page/renderNextPage.js":                         mapFile("require('next/image')\n"),
	"site/node_modules/sitepkg/package.json":                  mapFile(`{"name":"sitepkg","version":"1.0.0","dependencies":{"plugdep":"1.0.0"}}`),
	"site/node_modules/sitepkg/index.js":                      mapFile("module.exports = require('plugdep')\n"),
	"site/.netlify/plugins/package.json":                      mapFile(`{"name":"netlify-local-plugins","private":true}`),
	"site/.netlify/plugins/node_modules/next/image.js":        mapFile("module.exports = 'image'\n"),
	"site/.netlify/plugins/node_modules/plug/package.json":    mapFile(`{"name":"plug","version":"2.0.0","dependencies":{"plugdep":"1.0.0"}}`),
	"site/.netlify/plugins/node_modules/plug/index.js":        mapFile("module.exports = require('plugdep')\n"),
	"site/.netlify/plugins/node_modules/plugdep/package.json": mapFile(`{"name":"plugdep","version":"1.0.0"}`),
	"site/.netlify/plugins/node_modules/plugdep/index.js":     mapFile("module.exports = 'dep'\n"),
}

// TestPluginsModulesFallback: a package the site does not have is looked
// up in .netlify/plugins/node_modules, by the zisi bundler and the
// tracer, and ships under node_modules where Node.js finds it at run time.
func TestPluginsModulesFallback(t *testing.T) {
	t.Parallel()
	modules := []string{
		"node_modules/next/image.js",
		"node_modules/plug/index.js", "node_modules/plug/package.json",
		"node_modules/plugdep/index.js", "node_modules/plugdep/package.json",
		"node_modules/sitepkg/index.js", "node_modules/sitepkg/package.json",
	}
	for _, c := range []struct {
		bundler string
		extra   []string
	}{
		{config.BundlerZisi, nil},
		// The tracer also ships the package.json files that scope the
		// files it traced, as nft does.
		{config.BundlerNft, []string{".netlify/plugins/package.json", "package.json"}},
	} {
		t.Run(c.bundler, func(t *testing.T) {
			t.Parallel()
			fn := dirFunction("page", "/site/fns/page")
			b, err := Build(t.Context(), Input{Function: fn, Config: config.FunctionConfig{NodeBundler: c.bundler}, Env: NewEnvFS(pluginsSite, "/site")})
			if err != nil {
				t.Fatal(err)
			}
			l, err := Lay(fn, b, LayOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range l.Entries {
				names = append(names, e.Name)
			}
			slices.Sort(names)
			want := append([]string{"fns/page/page.js", "fns/page/renderNextPage.js", "page.js"}, modules...)
			want = append(want, c.extra...)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("entries %q, want %q", names, want)
			}
			why := map[string]Why{}
			for _, p := range append(b.Selection.Packages, b.Selection.Files...) {
				why[p.Path] = p.Why
			}
			// plugdep is first reached as plug's dependency, from plug's
			// own folder.
			plugged := []string{"/site/.netlify/plugins/node_modules/plug/index.js"}
			if c.bundler == config.BundlerZisi {
				plugged = []string{"/site/.netlify/plugins/node_modules/plug"}
			}
			for _, p := range plugged {
				if why[p] != WhyPluginsModules {
					t.Errorf("%s: why %q, want %q", p, why[p], WhyPluginsModules)
				}
			}
		})
	}
}

// isolatedSite is an extension installed by Netlify: its function lives
// in .netlify/plugins/node_modules and uses its own packages, one nested,
// and one of the site's; and it imports a file of the site by path.
var isolatedSite = fstest.MapFS{
	"site/package.json":                                   mapFile(`{"name":"site"}`),
	"site/node_modules/mod4/package.json":                 mapFile(`{"name":"mod4","version":"1.0.0","main":"index.js"}`),
	"site/node_modules/mod4/index.js":                     mapFile("module.exports = 'site mod4'\n"),
	"site/node_modules/mod3/package.json":                 mapFile(`{"name":"mod3","version":"1.0.0","main":"index.js"}`),
	"site/node_modules/mod3/index.js":                     mapFile("module.exports = 'site mod3'\n"),
	"site/lib/helper.js":                                  mapFile("module.exports = 'helper'\n"),
	"site/.netlify/plugins/package.json":                  mapFile(`{"name":"netlify-local-plugins","private":true}`),
	"site/.netlify/plugins/node_modules/ext/package.json": mapFile(`{"name":"ext","main":"index.js"}`),
	"site/.netlify/plugins/node_modules/ext/functions/fn.js": mapFile("require('mod1'); require('mod3'); require('mod4'); require('../../../../../lib/helper.js')\n" +
		"exports.handler = async () => ({ statusCode: 200 })\n"),
	"site/.netlify/plugins/node_modules/ext/node_modules/mod1/package.json": mapFile(`{"name":"mod1","version":"1.0.0","main":"index.js"}`),
	"site/.netlify/plugins/node_modules/ext/node_modules/mod1/index.js":     mapFile("module.exports = 1\n"),
	"site/.netlify/plugins/node_modules/mod3/package.json":                  mapFile(`{"name":"mod3","version":"2.0.0","main":"index.js"}`),
	"site/.netlify/plugins/node_modules/mod3/index.js":                      mapFile("module.exports = 'plugin mod3'\n"),
}

// TestPluginsFunctionIsolated: a function inside the plugins folder is
// rooted at .netlify/plugins (its packages stay under node_modules); a
// package of the site it reaches ships under node_modules too, and a
// site file it reaches by path is left out with a warning, where the
// reference writes an absolute path no import can reach.
func TestPluginsFunctionIsolated(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"/site", ""} {
		for _, bundler := range []string{config.BundlerZisi, config.BundlerNft} {
			fn := fileFunction("fn", "/site/.netlify/plugins/node_modules/ext/functions")
			b, err := Build(t.Context(), Input{Function: fn, Config: config.FunctionConfig{NodeBundler: bundler}, Env: NewEnvFS(isolatedSite, base)})
			if err != nil {
				t.Fatalf("%s, base %q: %v", bundler, base, err)
			}
			l, err := Lay(fn, b, LayOptions{})
			if err != nil {
				t.Fatalf("%s, base %q: %v", bundler, base, err)
			}
			var names []string
			for _, e := range l.Entries {
				names = append(names, e.Name)
			}
			want := []string{
				"node_modules/ext/functions/fn.js", "node_modules/ext/node_modules/mod1/index.js",
				"node_modules/mod3/index.js", "node_modules/mod4/index.js",
			}
			if base == "" && bundler == config.BundlerNft {
				// Without a site base the tracer stops at .netlify/plugins.
				want = slices.DeleteFunc(want, func(n string) bool { return n == "node_modules/mod4/index.js" })
			}
			for _, w := range append(want, "fn.js") {
				if !slices.Contains(names, w) {
					t.Errorf("%s, base %q: %s missing from %q", bundler, base, w, names)
				}
			}
			for _, n := range names {
				if strings.Contains(n, "lib/helper.js") || strings.Contains(n, ".netlify") {
					t.Errorf("%s, base %q: entry %q", bundler, base, n)
				}
			}
			if base == "" {
				continue
			}
			var warned bool
			for _, m := range b.Warnings {
				warned = warned || m.File == "/site/lib/helper.js"
			}
			if !warned {
				t.Errorf("%s: no warning for the site file left out: %+v", bundler, b.Warnings)
			}
			for _, p := range b.Selection.Files {
				if p.Path == "/site/lib/helper.js" {
					t.Errorf("%s: the selection still ships helper.js", bundler)
				}
			}
		}
	}
}

// TestPlace: archive names under the plugins folder rules.
func TestPlace(t *testing.T) {
	t.Parallel()
	// A site package shadowed by the plugin's copy under the same name.
	files := []string{"/a/.netlify/plugins/node_modules/ext/fns/f.js", "/a/.netlify/plugins/node_modules/m/i.js", "/a/node_modules/m/i.js", "/a/node_modules/n/i.js", "/a/src/x.js"}
	p, err := place("/a/.netlify/plugins/node_modules/ext/fns", files, "/a")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/a/.netlify/plugins/node_modules/ext/fns/f.js": "node_modules/ext/fns/f.js",
		"/a/.netlify/plugins/node_modules/m/i.js":       "node_modules/m/i.js",
		"/a/node_modules/n/i.js":                        "node_modules/n/i.js",
	}
	names := placed(files, p)
	if p.base != "/a/.netlify/plugins" || len(names) != len(want) {
		t.Errorf("base %q, names %q", p.base, names)
	}
	for f, n := range want {
		if names[f] != n {
			t.Errorf("%s: %q, want %q", f, names[f], n)
		}
	}
	if p.dropped["/a/node_modules/m/i.js"] != WhyPluginsShadow || p.dropped["/a/src/x.js"] != WhyPluginsOutside {
		t.Errorf("dropped %q", p.dropped)
	}
	// A function outside: only files in the plugins folder move.
	files = []string{"/a/fns/f.js", "/a/.netlify/plugins/node_modules/m/i.js", "/a/node_modules/k/i.js"}
	p, err = place("/a/fns", files, "/a")
	if err != nil {
		t.Fatal(err)
	}
	names = placed(files, p)
	if names["/a/.netlify/plugins/node_modules/m/i.js"] != "node_modules/m/i.js" || names["/a/fns/f.js"] != "fns/f.js" || names["/a/node_modules/k/i.js"] != "node_modules/k/i.js" || len(names) != 3 {
		t.Errorf("names %q", names)
	}
}

// placed maps each file place gave a name to that name.
func placed(files []string, p *placement) map[string]string {
	m := map[string]string{}
	for i, f := range files {
		if p.names[i] != "" {
			m[f] = p.names[i]
		}
	}
	return m
}

// TestPluginsModulesEsbuild: esbuild looks packages up in the plugins
// folder last (nodePaths), and an external one found there ships whole
// under node_modules.
func TestPluginsModulesEsbuild(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"package.json": `{"name":"site"}`,
		"fns/f.js":     "const p = require('plug'); const e = require('plugext');\nexports.handler = async () => ({ statusCode: 200, body: p + e });\n",
		".netlify/plugins/node_modules/plug/package.json":    `{"name":"plug","version":"1.0.0"}`,
		".netlify/plugins/node_modules/plug/index.js":        "module.exports = 'plug';\n",
		".netlify/plugins/node_modules/plugext/package.json": `{"name":"plugext","version":"1.0.0"}`,
		".netlify/plugins/node_modules/plugext/index.js":     "module.exports = 'ext';\n",
	}
	b, root, err := bundle(t, files, "fns/f.js", config.FunctionConfig{NodeBundler: config.BundlerEsbuild, ExternalNodeModules: []string{"plugext"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.Inputs, root+"/.netlify/plugins/node_modules/plug/index.js") {
		t.Errorf("plug not bundled: inputs %q", b.Inputs)
	}
	l, err := Lay(discoverOne(t, root+"/fns/f.js"), b, LayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range l.Entries {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	want := []string{"f.js", "fns/f.js", "node_modules/plugext/index.js", "node_modules/plugext/package.json"}
	if !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
}
