package bundler

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestSourceValuesValidated: values from the function's own source are
// checked where they are read, each failing its function with the file
// and key: a v1 schedule() that is no cron expression, an in-source
// schedule, and a rateLimit count that would wrap around in the manifest.
func TestSourceValuesValidated(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{
		"node_modules/@netlify/functions/package.json": `{"name":"@netlify/functions","version":"1.0.0"}`,
		"node_modules/@netlify/functions/index.js":     "exports.schedule = (s, h) => h\n",
		"fns/s.js":    "const { schedule } = require('@netlify/functions');\nexports.handler = schedule('every day', async () => ({ statusCode: 200 }));\n",
		"fns/v2s.mjs": "export default async () => new Response('x');\nexport const config = { schedule: '99 * * * *' };\n",
		"fns/rl.mjs":  "export default async () => new Response('x');\nexport const config = { path: '/rl', rateLimit: { windowLimit: 1e12, windowSize: 60 } };\n",
		"fns/ok.mjs":  "export default async () => new Response('x');\nexport const config = { schedule: '@daily' };\n",
	})
	_, err := ZipFunctions(t.Context(), []string{src + "/fns"}, t.TempDir(), Options{BasePath: src})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 3 {
		t.Fatalf("got %v, want 3 failures", err)
	}
	want := map[string]string{
		"s":   `fns/s.js: schedule(): "every day" is not a cron expression`,
		"v2s": `fns/v2s.mjs: Function v2s has a configuration error on 'schedule': "99 * * * *" is not a cron expression`,
		"rl":  `fns/rl.mjs: Function rl has a configuration error on 'rateLimit.windowLimit': must be a whole number from 1 to 2147483647`,
	}
	for _, f := range be.Failures {
		if w, ok := want[f.Name]; !ok || !strings.Contains(f.Error(), w) {
			t.Errorf("%s: %v, want %q", f.Name, f, w)
		}
	}
}

// TestInSourceIncludedFilesRelativeToMainFile: in-source includedFiles
// replace netlify.toml's and are relative to the main file, so they may
// climb out of the functions folder, but never out of the site.
func TestInSourceIncludedFilesRelativeToMainFile(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml":  "[functions]\nincluded_files = [\"blog/author*\"]\n",
		"blog/post1.md": "1", "blog/post2.md": "2", "blog/author1.md": "a",
		"netlify/functions/f.mjs": "export default async () => new Response('x');\nexport const config = { path: '/f', includedFiles: ['../../blog/post*'] };\n",
		"netlify/functions/g.mjs": "export default async () => new Response('x');\nexport const config = { path: '/g', includedFiles: ['../../../outside/*'] };\n",
	})
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "netlify/functions")}, t.TempDir(), Options{Config: &f.Functions, BasePath: site})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 || be.Failures[0].Name != "g" || !strings.Contains(be.Failures[0].Error(), `"../../../outside/*" climbs out of`) {
		t.Fatalf("got %v, want g refused for leaving the site", err)
	}
	got := rep.Functions[0].IncludedFiles
	want := []string{filepath.Join(site, "blog/post1.md"), filepath.Join(site, "blog/post2.md")}
	if !slices.Equal(got, want) {
		t.Errorf("includedFiles %q, want %q", got, want)
	}
}

// TestIncludedFilesNeverShipTheDestination: included_files = ["**"] with
// the destination inside the site ships neither the previous build's
// archives and manifest nor this build's staging folder, nor leftovers.
func TestIncludedFilesNeverShipTheDestination(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml":                "[functions]\nincluded_files = [\"**\"]\n",
		"netlify/functions/a.js":      handler,
		"data/keep.txt":               "data",
		"dist/manifest.json":          "previous",
		"dist/old.zip":                "previous archive",
		"other/.x.zip.tmp-123":        "a temporary file elsewhere",
		"other/.zisi-staging-9/b.zip": "another build's staging",
	})
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "netlify/functions")}, filepath.Join(site, "dist"), Options{Config: &f.Functions, BasePath: site})
	if err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, rep.Functions[0].Path)
	if !slices.Contains(names, "data/keep.txt") {
		t.Errorf("included_files missed data/keep.txt: %q", names)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "dist/") || strings.Contains(n, ".tmp-") || strings.Contains(n, ".zisi-staging-") {
			t.Errorf("a.zip ships %s", n)
		}
	}
}

// TestBraceBombInIncludedFiles: a pattern whose braces expand
// combinatorially is refused at once, naming it, instead of running for
// ever.
func TestBraceBombInIncludedFiles(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	bomb := strings.Repeat("{a,b}", 30)
	testfs.Write(t, site, map[string]string{"fns/a.js": handler})
	cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{IncludedFiles: []string{bomb}, IncludedFilesBasePath: site}}}}
	_, err := ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, t.TempDir(), Options{Config: &cfg, BasePath: site})
	if err == nil || !strings.Contains(err.Error(), "its braces expand to more than 1024 patterns") || !strings.Contains(err.Error(), bomb) {
		t.Fatalf("got %v", err)
	}
}
