package bundler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// reviewRebuild builds site with the cache into dest, lets edit change
// the site, builds again with the cache and compares that build with a
// cold one of the same state: a restored function must be what building
// it writes.
func reviewRebuild(t *testing.T, site string, edit func()) *Report {
	t.Helper()
	cacheDir, tmp := t.TempDir(), t.TempDir()
	dest := filepath.Join(tmp, "out")
	if _, err := cachedBuild(t, site, dest, cacheDir, nil); err != nil {
		t.Fatal(err)
	}
	settle()
	edit()
	settle()
	warm, err := cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, warm, filepath.Join(tmp, "cold"), dest)
	return warm
}

// A new file in the target of a symbolically linked folder that
// included_files walks ships in a cold build, so the cached archive
// must not be restored.
func TestCacheReviewIncludedLinkedFolder(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify.toml":               "[functions]\nincluded_files = [\"shared/**\"]\n",
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200 });`,
		"real-shared/a.txt":          "a",
	})
	if err := os.Symlink("real-shared", filepath.Join(site, "shared")); err != nil {
		t.Fatal(err)
	}
	settle()
	reviewRebuild(t, site, func() {
		testfs.Write(t, site, map[string]string{"real-shared/b.txt": "b"})
	})
}

// A directory function ships every file of its folder, linked folders
// walked under their link's name: a new file in such a folder's target
// is part of a cold build.
func TestCacheReviewDirectoryFunctionLinkedFolder(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/dirfn/index.js": `exports.handler = async () => ({ statusCode: 200 });`,
		"assets-real/a.txt":                "a",
	})
	if err := os.Symlink("../../../assets-real", filepath.Join(site, "netlify/functions/dirfn/assets")); err != nil {
		t.Fatal(err)
	}
	settle()
	reviewRebuild(t, site, func() {
		testfs.Write(t, site, map[string]string{"assets-real/b.txt": "b"})
	})
}

// A glob-style require (`require("./pages/" + name)`) ships every file
// under pages/ at any depth: a new file in an existing, empty subfolder
// is part of a cold build.
func TestCacheReviewGlobRequireSubfolder(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/glob.js":    "exports.handler = async (e) => { require('./pages/' + e.page); return { statusCode: 200 }; };\n",
		"netlify/functions/pages/a.js": "module.exports = 'a';\n",
		"netlify/functions/pages/sub/": "",
	})
	settle()
	reviewRebuild(t, site, func() {
		testfs.Write(t, site, map[string]string{"netlify/functions/pages/sub/b.js": "module.exports = 'b';\n"})
	})
}

// The zisi bundler ships a package whole: a new file in a subfolder of
// the package that shipped nothing before (empty, or holding junk only)
// is part of a cold build.
func TestCacheReviewPackageEmptySubfolder(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"package.json":                    `{"name":"site","dependencies":{"pkg":"1.0.0"}}`,
		"netlify/functions/uses.js":       "const pkg = require('pkg');\nexports.handler = async () => ({ statusCode: 200, body: pkg });\n",
		"node_modules/pkg/package.json":   `{"name":"pkg","version":"1.0.0","main":"index.js"}`,
		"node_modules/pkg/index.js":       "module.exports = 'pkg';\n",
		"node_modules/pkg/extra/":         "",
		"node_modules/pkg/more/.DS_Store": "junk",
	})
	settle()
	reviewRebuild(t, site, func() {
		testfs.Write(t, site, map[string]string{
			"node_modules/pkg/extra/x.js": "module.exports = 'x';\n",
			"node_modules/pkg/more/y.js":  "module.exports = 'y';\n",
		})
	})
}
