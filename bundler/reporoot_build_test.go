package bundler

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestRepositoryRootWidensWhatShips: with the monorepo's top as
// RepositoryRoot, included_files may reach a folder beside the site, and
// archive paths keep its place; without it the same pattern leaves the
// base directory and is refused. A link out of the repository root is
// still refused with it.
func TestRepositoryRootWidensWhatShips(t *testing.T) {
	t.Parallel()
	root, err := filepath.EvalSymlinks(testfs.Site(t, map[string]string{
		"package.json":                   `{"private":true,"workspaces":["site"]}`,
		"shared/data.json":               `{"answer":42}`,
		"site/package.json":              `{"name":"site"}`,
		"site/netlify/functions/data.js": "exports.handler = async () => ({ statusCode: 200 })\n",
		"site/netlify/functions/leak.js": "require('./secret.json')\nexports.handler = async () => ({ statusCode: 200 })\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	outside := testfs.Site(t, map[string]string{"secret.json": `{"token":"x"}`})
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(root, "site/netlify/functions/secret.json")); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(root, "site")
	src := filepath.Join(site, "netlify/functions")
	cfg := &config.Config{Patterns: []config.Pattern{{Glob: "data", Config: config.FunctionConfig{IncludedFiles: []string{"../shared/*.json"}}}}}

	opts := Options{Config: cfg, BasePath: site, RepositoryRoot: root}
	res, err := ZipFunction(t.Context(), filepath.Join(src, "data.js"), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, res.Path)
	for _, want := range []string{"shared/data.json", "site/netlify/functions/data.js"} {
		if !slices.Contains(names, want) {
			t.Errorf("data's archive lacks %s: %v", want, names)
		}
	}
	if _, err := ZipFunction(t.Context(), filepath.Join(src, "leak.js"), t.TempDir(), opts); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("leak: want ErrOutsideRoot, got %v", err)
	}

	_, err = ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{Config: cfg, BasePath: site})
	if !errors.Is(err, ErrIncludeOutsideBase) {
		t.Errorf("without a repository root: want ErrIncludeOutsideBase, got %v", err)
	}

	_, err = ZipFunctions(t.Context(), []string{src}, t.TempDir(), Options{BasePath: root, RepositoryRoot: site})
	if !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("a repository root inside the base path: want ErrInvalidOptions, got %v", err)
	}
}
