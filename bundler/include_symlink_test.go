package bundler

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestIncludedSymlinkedFolderLoads: included_files matching a pnpm-style
// symlinked folder and its target keeps the link in the archive, and the
// function reads through it at run time.
func TestIncludedSymlinkedFolderLoads(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{
		"package.json":                          `{"name":"site"}`,
		"fns/read.js":                           "const fs = require('fs'), path = require('path')\nexports.handler = async () => ({ statusCode: 200, body: fs.readFileSync(path.join(__dirname, '../node_modules/dep/data.txt'), 'utf8') })\n",
		"node_modules/.pnpm/dep@1/dep/data.txt": "through the link",
	})
	if err := os.Symlink(".pnpm/dep@1/dep", filepath.Join(site, "node_modules/dep")); err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Patterns: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{IncludedFiles: []string{"node_modules/**"}}}}}
	names, results := buildAndVerify(t, site, filepath.Join(site, "fns"), cfg)
	if !slices.Contains(names["read"], "node_modules/dep") || slices.Contains(names["read"], "node_modules/dep/data.txt") {
		t.Errorf("entries %q: want the link node_modules/dep, not a copy of its files", names["read"])
	}
	if r := results["read"]; !r.OK || r.StatusCode != 200 || r.Body != "through the link" {
		t.Errorf("read: ok=%v status %d body %q error %s", r.OK, r.StatusCode, r.Body, r.Error)
	}
}
