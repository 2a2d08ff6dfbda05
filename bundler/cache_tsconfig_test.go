package bundler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/internal/testfs"
)

// TestCacheFollowsTsconfigExtends: esbuild takes "paths" from the file a
// tsconfig.json extends (a path, or a package in node_modules), so
// editing that file must make the cache rebuild, not restore the archive
// of the old mapping.
func TestCacheFollowsTsconfigExtends(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tsconfig, base string
	}{
		// Comments and a trailing comma, and a path without ".json", as
		// TypeScript allows.
		{"path", "{\n  // shared settings\n  \"extends\": \"./config/base\", /* the paths */\n}\n", "config/base.json"},
		{"package", `{"extends": "@equiv/tsconfig/base.json"}`, "node_modules/@equiv/tsconfig/base.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			paths := func(target string) string {
				return `{"compilerOptions": {"baseUrl": "` + baseURL(tc.base) + `", "paths": {"~extra": ["./shared/` + target + `.ts"]}}}`
			}
			site := testfs.Site(t, map[string]string{
				"netlify/functions/fn.ts": `import { extra } from "~extra";
export const handler = async () => ({ statusCode: 200, body: extra });
`,
				"shared/a.ts":   `export const extra = "A";`,
				"shared/b.ts":   `export const extra = "B";`,
				"tsconfig.json": tc.tsconfig,
				"node_modules/@equiv/tsconfig/package.json": `{"name": "@equiv/tsconfig", "version": "1.0.0"}`,
				tc.base: paths("a"),
			})
			fns := filepath.Join(site, "netlify", "functions")
			opts := bundler.Options{BasePath: site, Cache: true, CacheDir: t.TempDir()}
			dest := filepath.Join(t.TempDir(), "out")
			// Build until the cache holds the function: a build right
			// after the files were written may not store it (racy).
			for try := 0; ; try++ {
				rep, err := bundler.ZipFunctions(t.Context(), []string{fns}, dest, opts)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Cache.Hits == 1 {
					break
				}
				if try == 5 {
					t.Fatalf("the cache never kept the function: %+v", *rep.Cache)
				}
			}
			testfs.Write(t, site, map[string]string{tc.base: paths("b")})
			coldDest := filepath.Join(t.TempDir(), "cold")
			if _, err := bundler.ZipFunctions(t.Context(), []string{fns}, coldDest, bundler.Options{BasePath: site}); err != nil {
				t.Fatal(err)
			}
			rep, err := bundler.ZipFunctions(t.Context(), []string{fns}, dest, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, want := readFile(t, filepath.Join(dest, "fn.zip")), readFile(t, filepath.Join(coldDest, "fn.zip"))
			if rep.Cache.Hits != 0 || string(got) != string(want) {
				t.Fatalf("after %s changed its paths: %d hits, archive equal to a cold build's: %v", tc.base, rep.Cache.Hits, string(got) == string(want))
			}
		})
	}
}

// baseURL is the site root as seen from the folder of the file at rel.
func baseURL(rel string) string {
	up, _ := filepath.Rel(filepath.Dir(filepath.Join("/site", rel)), "/site")
	return filepath.ToSlash(up)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
