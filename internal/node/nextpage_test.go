package node

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
)

func dirFunction(name, srcDir string) discover.Function {
	return discover.Function{Name: name, MainFile: srcDir + "/" + name + ".js", SrcDir: srcDir, SrcPath: srcDir,
		Filename: name, Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindDir}
}

func fileFunction(name, srcDir string) discover.Function {
	return discover.Function{Name: name, MainFile: srcDir + "/" + name + ".js", SrcDir: srcDir, SrcPath: srcDir + "/" + name + ".js",
		Filename: name + ".js", Extension: ".js", Runtime: discover.RuntimeJS, Kind: discover.KindFile}
}

// nextSite is a next-on-netlify function over a hand-made, tiny Next.js:
// renderNextPage reaches two files of next, one of which requires
// critters only when an option is set (Next.js 10 does).
func nextSite(next string) fstest.MapFS {
	return fstest.MapFS{
		"site/package.json":                    mapFile(`{"name":"site","dependencies":{"next":"` + next + `"}}`),
		"site/fn/fn.js":                        mapFile("require('./renderNextPage')\nexports.handler = async () => ({ statusCode: 200 })\n"),
		"site/fn/renderNextPage.js":            mapFile("module.exports = require('next/dist/server/render')\n"),
		"site/node_modules/next/package.json":  mapFile(`{"name":"next","version":"10.0.5","main":"index.js","dependencies":{"react":"17.0.0"}}`),
		"site/node_modules/next/index.js":      mapFile("module.exports = require('./dist/other')\n"),
		"site/node_modules/next/dist/other.js": mapFile("module.exports = 'other'\n"),
		"site/node_modules/next/dist/server/render.js": mapFile("const semver = require('next/dist/compiled/semver')\n" +
			"module.exports = (opts) => { if (opts.optimizeCss) require('critters'); return semver + require('./util') }\n"),
		"site/node_modules/next/dist/server/util.js":     mapFile("module.exports = 'util'\n"),
		"site/node_modules/next/dist/compiled/semver.js": mapFile("module.exports = 'semver'\n"),
	}
}

// TestNextPageTreeShaking: below an import of renderNextPage, next is
// walked file by file (the reference's next-on-netlify rule), and a
// missing critters is fine for a Next.js version that inlines it.
func TestNextPageTreeShaking(t *testing.T) {
	t.Parallel()
	fn := dirFunction("fn", "/site/fn")
	cfg := config.FunctionConfig{NodeBundler: config.BundlerZisi}
	b, err := Build(t.Context(), Input{Function: fn, Config: cfg, Env: NewEnvFS(nextSite("^10.0.0"), "/site")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/site/fn/fn.js", "/site/fn/renderNextPage.js",
		"/site/node_modules/next/dist/compiled/semver.js", "/site/node_modules/next/dist/server/render.js",
		"/site/node_modules/next/dist/server/util.js",
	}
	if !slices.Equal(b.SrcFiles, want) {
		t.Errorf("shipped %q, want %q", b.SrcFiles, want)
	}
	why := map[string]Pick{}
	for _, p := range b.Selection.Files {
		why[p.Path] = p
	}
	if p := why["/site/node_modules/next/dist/compiled/semver.js"]; p.Why != WhyNextPage || p.Via != "/site/node_modules/next/dist/server/render.js" {
		t.Errorf("semver.js: %+v, want %q via render.js", p, WhyNextPage)
	}

	// Without renderNextPage in the chain, next ships whole.
	whole := nextSite("^10.0.0")
	whole["site/fn/fn.js"] = mapFile("require('next/dist/server/render')\n")
	delete(whole, "site/fn/renderNextPage.js")
	_, err = Build(t.Context(), Input{Function: fn, Config: cfg, Env: NewEnvFS(whole, "/site")})
	if err == nil || !errors.Is(err, ErrMissingModule) || !strings.Contains(err.Error(), `"react"`) {
		t.Errorf("next shipped whole must need its dependency react: %v", err)
	}

	// Next.js 9 does not inline critters: the conditional require fails.
	_, err = Build(t.Context(), Input{Function: fn, Config: cfg, Env: NewEnvFS(nextSite("^9.5.5"), "/site")})
	var missing *MissingModuleError
	if !errors.As(err, &missing) || missing.Module != "critters" || missing.Importer != "/site/node_modules/next/dist/server/render.js" {
		t.Errorf("next ^9.5.5: got %v, want critters missing from render.js", err)
	}
}
