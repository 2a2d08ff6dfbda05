package bundler

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/node"

	"github.com/zisi-build/zisi/internal/testfs"
)

// reviewRebuild builds site with the cache into dest, lets edit change
// the site, builds again with the cache and compares that build with a
// cold one of the same state: a restored function must be what building
// it writes.
func reviewRebuild(t *testing.T, site string, edit func()) *Report {
	t.Helper()
	return reviewRebuildWith(t, site, nil, edit)
}

// reviewRebuildWith is reviewRebuild with options for every build.
func reviewRebuildWith(t *testing.T, site string, opts func(*Options), edit func()) *Report {
	t.Helper()
	return reviewRebuildFrom(t, site, opts, opts, edit)
}

// reviewRebuildFrom is reviewRebuildWith with options of its own for
// the first build (to change the site while it runs).
func reviewRebuildFrom(t *testing.T, site string, first, opts func(*Options), edit func()) *Report {
	t.Helper()
	cacheDir, tmp := t.TempDir(), t.TempDir()
	dest := filepath.Join(tmp, "out")
	if _, err := cachedBuild(t, site, dest, cacheDir, first); err != nil {
		t.Fatal(err)
	}
	settle()
	edit()
	settle()
	warm, err := cachedBuild(t, site, dest, cacheDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", opts)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, warm, filepath.Join(tmp, "cold"), dest)
	return warm
}

// reviewBootstrap ships the pinned v2 bootstrap from the machine's
// cache, so that cold and cached builds take it from the same place.
func reviewBootstrap(t *testing.T) func(*Options) {
	t.Helper()
	dir := pinnedBootstrap(t)
	return func(o *Options) { o.BootstrapDir = dir }
}

// pinnedBootstrap is the unpacked pinned v2 bootstrap in the per-user
// cache, fetched there (npm pack) on a machine that has none yet.
func pinnedBootstrap(t *testing.T) string {
	t.Helper()
	boot, err := node.FindBootstrap(t.Context(), node.BootstrapOptions{CacheDir: node.DefaultCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	return boot.Dir
}

// siteBootstrap copies the pinned bootstrap into site's node_modules,
// where builds take it from, and returns that copy's folder.
func siteBootstrap(t *testing.T, site string) string {
	t.Helper()
	dst := filepath.Join(site, "node_modules", "@netlify", "serverless-functions-api")
	if err := os.CopyFS(dst, os.DirFS(pinnedBootstrap(t))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// patch appends a comment line to the file at p.
func patch(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(data, "\n// patched\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fromSiteBootstrap fails unless rep's bootstrap came from the site.
func fromSiteBootstrap(t *testing.T, rep *Report) {
	t.Helper()
	if rep.Bootstrap == nil || !strings.Contains(rep.Bootstrap.Source, "node_modules") {
		t.Fatalf("the bootstrap came from %+v, not the site's node_modules", rep.Bootstrap)
	}
}

// The site's own copy of the v2 bootstrap (the pinned version) ships; a
// change to its files is part of a cold build.
func TestCacheReviewSiteBootstrapEdited(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"package.json":             `{"name":"site"}`,
		"netlify/functions/v2.mjs": "export default async () => new Response('hi');\n",
	})
	dst := siteBootstrap(t, site)
	settle()
	rep := reviewRebuild(t, site, func() {
		var target string
		filepath.WalkDir(filepath.Join(dst, "dist"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && target == "" && strings.HasSuffix(p, ".js") {
				target = p
			}
			return nil
		})
		patch(t, target)
	})
	fromSiteBootstrap(t, rep)
}

// A source rewritten with other bytes of the same size and its
// modification time set back keeps its size and mtime: its change time
// still moves, so the stat index does not answer for it.
func TestCacheReviewSameSizeRewriteOldMtime(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200, body: "one" });`,
	})
	main := filepath.Join(site, "netlify/functions/hello.js")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(main, old, old)
	settle()
	reviewRebuild(t, site, func() {
		os.WriteFile(main, []byte(`exports.handler = async () => ({ statusCode: 200, body: "two" });`), 0o644)
		os.Chtimes(main, old, old)
	})
}

// The published archive is a hard link to the cache's blob: something
// writing into it in place changes the blob too, which the restore's
// CRC check catches.
func TestCacheReviewPublishedArchiveWrittenInPlace(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200, body: "one" });`,
	})
	settle()
	cacheDir, tmp := t.TempDir(), t.TempDir()
	dest := filepath.Join(tmp, "out")
	if _, err := cachedBuild(t, site, dest, cacheDir, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dest, "hello.zip"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("XXXX"), 40); err != nil {
		t.Fatal(err)
	}
	f.Close()
	warm, err := cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if warm.Cache.Hits != 0 {
		t.Errorf("a blob written into in place was restored: %+v", warm.Cache)
	}
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, &Report{Functions: warm.Functions}, filepath.Join(tmp, "cold"), dest)
}

// esbuild functions are bundled together before the build
// (PrebuildEsbuild); with the cache, the group holds only the
// functions that missed: the one rebuilt must come out as in the
// whole group.
func TestCacheReviewEsbuildGroupShrinks(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify.toml":           "[functions]\nnode_bundler = \"esbuild\"\n",
		"netlify/functions/a.js": "const s = require('../../lib/shared');\nexports.handler = async () => ({ statusCode: 200, body: s.a });\n",
		"netlify/functions/b.js": "const s = require('../../lib/shared');\nexports.handler = async () => ({ statusCode: 200, body: s.b });\n",
		"netlify/functions/c.ts": "import { a } from '../../lib/shared';\nexport const handler = async () => ({ statusCode: 200, body: a });\n",
		"lib/shared.js":          "exports.a = 'a'; exports.b = 'b';\n",
	})
	settle()
	rep := reviewRebuild(t, site, func() {
		testfs.Write(t, site, map[string]string{"netlify/functions/a.js": "const s = require('../../lib/shared');\nexports.handler = async () => ({ statusCode: 201, body: s.a });\n"})
	})
	if rep.Cache.Hits != 2 || rep.Cache.Misses != 1 {
		t.Errorf("cache %+v, want a rebuilt alone and b, c restored", rep.Cache)
	}
}

// The go command reads settings from its environment file (`go env -w`
// writes it; $GOENV names it): GOAMD64 there changes the binary.
func TestCacheReviewGoEnvFile(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/gofn/go.mod":  "module example.com/gofn\n\ngo 1.22\n",
		"netlify/functions/gofn/main.go": "package main\n\nvar msg = \"base\"\n\nfunc main() { println(msg) }\n",
	})
	goenv := filepath.Join(t.TempDir(), "goenv")
	os.WriteFile(goenv, []byte("GOAMD64=v1\n"), 0o644)
	settle()
	env := func(o *Options) { o.Env = append(os.Environ(), "GOENV="+goenv) }
	reviewRebuildWith(t, site, env, func() {
		os.WriteFile(goenv, []byte("GOAMD64=v3\n"), 0o644)
	})
}

// With zisi_add_instrumentation_loader every Node.js archive ships the
// bootstrap's telemetry file: a change to it (the site's own copy of the
// bootstrap, patched) is part of a cold build.
func TestCacheReviewTelemetryFileEdited(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"package.json":               `{"name":"site"}`,
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200 });`,
	})
	dst := siteBootstrap(t, site)
	settle()
	flags := func(o *Options) { o.FeatureFlags = map[string]bool{FlagAddInstrumentationLoader: true} }
	rep := reviewRebuildWith(t, site, flags, func() {
		patch(t, filepath.Join(dst, "dist", "telemetry", "instrumentation.js"))
	})
	fromSiteBootstrap(t, rep)
}

// A file added to a folder a function's build listed, after the build
// listed it and before the build ends, must keep that build out of the
// cache: the next build would take the listing with the new file for
// what the stored archive was built from.
func TestCacheReviewFolderChangedDuringBuild(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/dirfn/index.js": `exports.handler = async () => ({ statusCode: 200 });`,
	})
	settle()
	var once sync.Once
	during := func(o *Options) {
		o.OnEvent = func(e Event) {
			if e.Kind == EventDone && e.Function == "dirfn" {
				once.Do(func() { testfs.Write(t, site, map[string]string{"netlify/functions/dirfn/late.txt": "late"}) })
			}
		}
	}
	reviewRebuildFrom(t, site, during, nil, func() {})
}

// A pnpm link retargeted to another version of the package.
func TestCacheReviewPnpmLinkRetargeted(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"package.json":              `{"name":"site","dependencies":{"pkg":"1.0.0"}}`,
		"netlify/functions/uses.js": "const pkg = require('pkg');\nexports.handler = async () => ({ statusCode: 200, body: pkg });\n",
		"node_modules/.pnpm/pkg@1.0.0/node_modules/pkg/package.json": `{"name":"pkg","version":"1.0.0","main":"index.js"}`,
		"node_modules/.pnpm/pkg@1.0.0/node_modules/pkg/index.js":     "module.exports = 'one';\n",
		"node_modules/.pnpm/pkg@2.0.0/node_modules/pkg/package.json": `{"name":"pkg","version":"2.0.0","main":"index.js"}`,
		"node_modules/.pnpm/pkg@2.0.0/node_modules/pkg/index.js":     "module.exports = 'two';\n",
	})
	link := filepath.Join(site, "node_modules", "pkg")
	if err := os.Symlink(".pnpm/pkg@1.0.0/node_modules/pkg", link); err != nil {
		t.Fatal(err)
	}
	settle()
	reviewRebuild(t, site, func() {
		os.Remove(link)
		if err := os.Symlink(".pnpm/pkg@2.0.0/node_modules/pkg", link); err != nil {
			t.Fatal(err)
		}
	})
}

// A function's JSON configuration file is read when the function is
// planned (its plan key) and again when it is built: one rewritten in
// between must not leave the new build under the old key.
func TestCacheReviewJSONConfigChangedDuringBuild(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js":   `exports.handler = async () => ({ statusCode: 200 });`,
		"netlify/functions/hello.json": `{"version":1,"config":{"generator":"one@1"}}`,
	})
	settle()
	cfgFile := filepath.Join(site, "netlify/functions/hello.json")
	fns := filepath.Join(site, "netlify", "functions")
	dirs := func(o *Options) { o.ConfigFileDirectories = []string{fns} }
	var once sync.Once
	during := func(o *Options) {
		dirs(o)
		o.OnEvent = func(e Event) {
			if e.Kind == EventStart && e.Function == "hello" {
				once.Do(func() { os.WriteFile(cfgFile, []byte(`{"version":1,"config":{"generator":"two@2"}}`), 0o644) })
			}
		}
	}
	reviewRebuildFrom(t, site, during, dirs, func() {
		os.WriteFile(cfgFile, []byte(`{"version":1,"config":{"generator":"one@1"}}`), 0o644)
	})
}

// Files appearing where a cold build would ship them, or where they
// change what resolution finds: the cached archive must not be restored.
// Each case is a site (links: link path → target), the files added, and
// whether its v2 functions need the pinned bootstrap.
func TestCacheReviewNewFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		links map[string]string
		v2    bool
		add   map[string]string
	}{{
		// A new file in the target of a linked folder included_files walks.
		name: "IncludedLinkedFolder",
		files: map[string]string{
			"netlify.toml":               "[functions]\nincluded_files = [\"shared/**\"]\n",
			"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200 });`,
			"real-shared/a.txt":          "a",
		},
		links: map[string]string{"shared": "real-shared"},
		add:   map[string]string{"real-shared/b.txt": "b"},
	}, {
		// A directory function ships every file of its folder, linked
		// folders walked under their link's name.
		name: "DirectoryFunctionLinkedFolder",
		files: map[string]string{
			"netlify/functions/dirfn/index.js": `exports.handler = async () => ({ statusCode: 200 });`,
			"assets-real/a.txt":                "a",
		},
		links: map[string]string{"netlify/functions/dirfn/assets": "../../../assets-real"},
		add:   map[string]string{"assets-real/b.txt": "b"},
	}, {
		// A glob-style require ships every file under pages/ at any depth:
		// a new file in an existing, empty subfolder.
		name: "GlobRequireSubfolder",
		files: map[string]string{
			"netlify/functions/glob.js":    "exports.handler = async (e) => { require('./pages/' + e.page); return { statusCode: 200 }; };\n",
			"netlify/functions/pages/a.js": "module.exports = 'a';\n",
			"netlify/functions/pages/sub/": "",
		},
		add: map[string]string{"netlify/functions/pages/sub/b.js": "module.exports = 'b';\n"},
	}, {
		// The same through esbuild.
		name: "GlobRequireSubfolderEsbuild",
		files: map[string]string{
			"netlify.toml":                 "[functions]\nnode_bundler = \"esbuild\"\n",
			"netlify/functions/glob.js":    "exports.handler = async (e) => { require('./pages/' + e.page); return { statusCode: 200 }; };\n",
			"netlify/functions/pages/a.js": "module.exports = 'a';\n",
			"netlify/functions/pages/sub/": "",
		},
		add: map[string]string{"netlify/functions/pages/sub/b.js": "module.exports = 'b';\n"},
	}, {
		// The same glob-style import in a v2 function.
		name: "GlobImportSubfolderV2",
		files: map[string]string{
			"netlify/functions/glob.mjs":    "export default async (req) => { await import('./pages/' + req.url); return new Response('hi'); };\n",
			"netlify/functions/pages/a.mjs": "export default 'a';\n",
			"netlify/functions/pages/sub/":  "",
		},
		v2:  true,
		add: map[string]string{"netlify/functions/pages/sub/b.mjs": "export default 'b';\n"},
	}, {
		// The zisi bundler ships a package whole: a new file in a subfolder
		// that shipped nothing before (empty, or holding junk only).
		name: "PackageEmptySubfolder",
		files: map[string]string{
			"package.json":                    `{"name":"site","dependencies":{"pkg":"1.0.0"}}`,
			"netlify/functions/uses.js":       "const pkg = require('pkg');\nexports.handler = async () => ({ statusCode: 200, body: pkg });\n",
			"node_modules/pkg/package.json":   `{"name":"pkg","version":"1.0.0","main":"index.js"}`,
			"node_modules/pkg/index.js":       "module.exports = 'pkg';\n",
			"node_modules/pkg/extra/":         "",
			"node_modules/pkg/more/.DS_Store": "junk",
		},
		add: map[string]string{
			"node_modules/pkg/extra/x.js": "module.exports = 'x';\n",
			"node_modules/pkg/more/y.js":  "module.exports = 'y';\n",
		},
	}, {
		// A local folder with a package.json imported by a relative path:
		// the zisi bundler ships only what the import reaches there.
		name: "LocalPackageEmptySubfolder",
		files: map[string]string{
			"package.json":              `{"name":"site"}`,
			"netlify/functions/uses.js": "const s = require('../../shared');\nexports.handler = async () => ({ statusCode: 200, body: s });\n",
			"shared/package.json":       `{"name":"shared","version":"1.0.0","main":"index.js"}`,
			"shared/index.js":           "module.exports = 'shared';\n",
			"shared/extra/":             "",
		},
		add: map[string]string{"shared/extra/x.js": "module.exports = 'x';\n"},
	}, {
		// An optional require esbuild cannot resolve, in a folder that
		// holds nothing the function ships, bundles once the file exists.
		name: "OptionalRequireEsbuild",
		files: map[string]string{
			"netlify.toml":                "[functions]\nnode_bundler = \"esbuild\"\n",
			"netlify/functions/opt.js":    "let extra = null;\ntry { extra = require('./optional/extra.js'); } catch {}\nexports.handler = async () => ({ statusCode: 200, body: String(extra) });\n",
			"netlify/functions/optional/": "",
		},
		add: map[string]string{"netlify/functions/optional/extra.js": "module.exports = 'extra';\n"},
	}, {
		// A v2 function's dynamic import of a file that does not exist yet.
		name: "MissingImportV2",
		files: map[string]string{
			"netlify/functions/opt.mjs":   "export default async () => { try { await import('./optional/extra.mjs'); } catch {} return new Response('hi'); };\n",
			"netlify/functions/optional/": "",
		},
		v2:  true,
		add: map[string]string{"netlify/functions/optional/extra.mjs": "export default 'extra';\n"},
	}, {
		// A missing optional dependency installed later into
		// .netlify/plugins/node_modules (the fallback module folder).
		name: "OptionalFromPluginsFolder",
		files: map[string]string{
			"package.json":               `{"name":"site","optionalDependencies":{"opt":"1.0.0"}}`,
			"netlify/functions/hello.js": "let opt = null;\ntry { opt = require('opt'); } catch {}\nexports.handler = async () => ({ statusCode: 200, body: String(opt) });\n",
			"node_modules/":              "",
		},
		add: map[string]string{
			".netlify/plugins/node_modules/opt/package.json": `{"name":"opt","version":"1.0.0","main":"index.js"}`,
			".netlify/plugins/node_modules/opt/index.js":     "module.exports = 'opt';\n",
		},
	}, {
		// A node_modules folder that is a link (a shared store): a package
		// installed into its target shadows the hoisted one.
		name: "LinkedNodeModules",
		files: map[string]string{
			"package.json":                 `{"name":"site","dependencies":{"ms":"1.0.0"}}`,
			"netlify/functions/uses.js":    "const ms = require('ms');\nexports.handler = async () => ({ statusCode: 200, body: ms });\n",
			"node_modules/ms/package.json": `{"name":"ms","version":"1.0.0","main":"index.js"}`,
			"node_modules/ms/index.js":     "module.exports = 'hoisted';\n",
			"store/":                       "",
		},
		links: map[string]string{"netlify/functions/node_modules": "../../store"},
		add: map[string]string{
			"store/ms/package.json": `{"name":"ms","version":"2.0.0","main":"index.js"}`,
			"store/ms/index.js":     "module.exports = 'nearer';\n",
		},
	}, {
		// included_files naming a folder that does not exist yet (one a
		// build step generates).
		name: "IncludedFolderAppears",
		files: map[string]string{
			"netlify.toml":               "[functions]\nincluded_files = [\"generated/**\", \"data/file.json\"]\n",
			"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200 });`,
		},
		add: map[string]string{"generated/page.html": "<p>", "data/file.json": "{}"},
	}, {
		// A go.work replace directive points a module at a local folder; a
		// change there changes the binary.
		name: "GoWorkReplace",
		files: map[string]string{
			"go.work":                        "go 1.22\n\nuse ./netlify/functions/gofn\n\nreplace example.com/lib => ./lib\n",
			"lib/go.mod":                     "module example.com/lib\n\ngo 1.22\n",
			"lib/lib.go":                     "package lib\n\nconst Msg = \"one\"\n",
			"netlify/functions/gofn/go.mod":  "module example.com/gofn\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n",
			"netlify/functions/gofn/main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Msg) }\n",
		},
		add: map[string]string{"lib/lib.go": "package lib\n\nconst Msg = \"two\"\n"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			site := testfs.Site(t, tc.files)
			for link, target := range tc.links {
				if err := os.Symlink(target, filepath.Join(site, link)); err != nil {
					t.Fatal(err)
				}
			}
			settle()
			var opts func(*Options)
			if tc.v2 {
				opts = reviewBootstrap(t)
			}
			reviewRebuildWith(t, site, opts, func() { testfs.Write(t, site, tc.add) })
		})
	}
}
