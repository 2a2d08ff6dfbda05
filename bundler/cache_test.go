package bundler

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/testfs"
)

// settle waits out the cache's racy window: a build does not store what
// it read from files changed less than 20 ms before it started (they may
// change again within the same clock tick), as git's index does not
// trust them. Tests that edit a file and expect the next build to store
// it wait this long, as a user's edits are older than that.
func settle() { time.Sleep(40 * time.Millisecond) }

// cachedBuild builds site's functions folder into dest with the cache in
// cacheDir (none when empty).
func cachedBuild(t *testing.T, site, dest, cacheDir string, edit func(*Options)) (*Report, error) {
	t.Helper()
	cfg := &config.Config{}
	if f, err := config.Load(filepath.Join(site, "netlify.toml")); err == nil {
		cfg = &f.Functions
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	o := Options{Config: cfg, BasePath: site, Cache: cacheDir != "", CacheDir: cacheDir, Parallel: 3}
	if edit != nil {
		edit(&o)
	}
	return ZipFunctions(t.Context(), []string{filepath.Join(site, "netlify", "functions")}, dest, o)
}

// sameOutput fails unless two builds wrote the same archives, the same
// manifest but for its timestamp, and the same results and warnings
// (destinations aside).
func sameOutput(t *testing.T, a, b *Report, destA, destB string) {
	t.Helper()
	za, zb := zipHashes(t, destA), zipHashes(t, destB)
	if len(za) == 0 || len(za) != len(zb) {
		t.Fatalf("archives: %d vs %d", len(za), len(zb))
	}
	for name, h := range za {
		if zb[name] != h {
			t.Errorf("%s differs", name)
		}
	}
	ma, mb := manifestWithoutTime(t, destA), manifestWithoutTime(t, destB)
	if ma != strings.ReplaceAll(mb, destB, destA) {
		t.Errorf("manifests differ:\n%s\n%s", ma, mb)
	}
	ja, _ := json.Marshal(a.Functions)
	jb, _ := json.Marshal(b.Functions)
	if string(ja) != strings.ReplaceAll(string(jb), destB, destA) {
		t.Errorf("results differ:\n%s\n%s", ja, jb)
	}
	wa, _ := json.Marshal(a.Warnings)
	wb, _ := json.Marshal(b.Warnings)
	if string(wa) != strings.ReplaceAll(string(wb), destB, destA) {
		t.Errorf("warnings differ:\n%s\n%s", wa, wb)
	}
}

func manifestWithoutTime(t *testing.T, dest string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dest, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "timestamp")
	out, _ := json.Marshal(m)
	return string(out)
}

// nodeDepsSite is a copy of fixtures/node-deps (real packages installed
// by npm), settled.
func nodeDepsSite(t *testing.T) string {
	t.Helper()
	site := t.TempDir()
	copySite(t, "../fixtures/node-deps", site, false)
	settle()
	return site
}

// A rebuild with nothing changed restores every function, and what it
// writes is what a cold build writes.
func TestCacheRebuildIsIdentical(t *testing.T) {
	site := nodeDepsSite(t)
	cacheDir, tmp := t.TempDir(), t.TempDir()
	first, err := cachedBuild(t, site, filepath.Join(tmp, "first"), cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(first.Functions)
	if first.Cache == nil || first.Cache.Misses != n || first.Cache.Hits != 0 {
		t.Fatalf("first build: %+v for %d functions", first.Cache, n)
	}
	// The destination is part of every key (included_files never ship
	// it), so rebuilds go where the first build went.
	again, err := cachedBuild(t, site, filepath.Join(tmp, "first"), cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Cache.Hits != n || again.Cache.Misses != 0 {
		t.Fatalf("rebuild: %+v, want %d hits", again.Cache, n)
	}
	for _, r := range again.Functions {
		if !r.Cached {
			t.Errorf("%s not marked cached", r.Name)
		}
	}
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cold.Cache != nil {
		t.Errorf("a build without the cache reported %+v", cold.Cache)
	}
	sameOutput(t, cold, again, filepath.Join(tmp, "cold"), filepath.Join(tmp, "first"))
	// Another destination is another key.
	rep, err := cachedBuild(t, site, filepath.Join(tmp, "other"), cacheDir, nil)
	if err != nil || rep.Cache.Misses != n {
		t.Fatalf("build into another destination: %+v, %v", rep.Cache, err)
	}
	// Touching every file, or writing the same bytes again, keeps them hits.
	now := time.Now().Add(-time.Minute)
	filepath.WalkDir(site, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, now, now)
		}
		return nil
	})
	main := filepath.Join(site, "netlify", "functions", "nested.js")
	data, _ := os.ReadFile(main)
	os.WriteFile(main, data, 0o644)
	settle()
	rep, err = cachedBuild(t, site, filepath.Join(tmp, "first"), cacheDir, nil)
	if err != nil || rep.Cache.Hits != n {
		t.Fatalf("after touching every file: %+v, %v", rep.Cache, err)
	}
}

// An edit rebuilds the functions that read what changed, and no other.
func TestCacheEditRebuildsOnlyWhatChanged(t *testing.T) {
	site := nodeDepsSite(t)
	cacheDir, tmp := t.TempDir(), t.TempDir()
	dest := filepath.Join(tmp, "out")
	first, err := cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(first.Functions)
	built := func(t *testing.T, edit func(*Options)) map[string]bool {
		t.Helper()
		settle()
		rep, err := cachedBuild(t, site, dest, cacheDir, edit)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, r := range rep.Functions {
			if !r.Cached {
				out[r.Name] = true
			}
		}
		// Whatever was restored equals a cold build of the same state.
		cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", edit)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, cold, rep, filepath.Join(tmp, "cold"), dest)
		return out
	}
	fn := filepath.Join(site, "netlify", "functions")
	write := func(rel, content string) {
		testfs.Write(t, site, map[string]string{rel: content})
	}

	t.Run("main file", func(t *testing.T) {
		data, _ := os.ReadFile(filepath.Join(fn, "nested.js"))
		os.WriteFile(filepath.Join(fn, "nested.js"), append(data, "\n// edited\n"...), 0o644)
		if got := built(t, nil); len(got) != 1 || !got["nested"] {
			t.Errorf("rebuilt %v, want only nested", got)
		}
		// The note says why.
		settle()
		data, _ = os.ReadFile(filepath.Join(fn, "nested.js"))
		os.WriteFile(filepath.Join(fn, "nested.js"), append(data, "\n// again\n"...), 0o644)
		settle()
		rep, err := cachedBuild(t, site, dest, cacheDir, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := `function "nested": rebuilt, not restored from the build cache: ` + filepath.Join(fn, "nested.js") + " changed"
		var notes []string
		for _, n := range rep.Notes {
			notes = append(notes, n.String())
		}
		if !slices.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
		// The note belongs to that build, not to the entry it stored.
		rep, err = cachedBuild(t, site, dest, cacheDir, nil)
		if err != nil || rep.Cache.Misses != 0 {
			t.Fatalf("rebuild: %+v, %v", rep.Cache, err)
		}
		for _, n := range rep.Notes {
			if strings.Contains(n.Message, "rebuilt") {
				t.Errorf("a restored function brought its build's note back: %s", n)
			}
		}
	})
	t.Run("package bumped", func(t *testing.T) {
		// uuid is used by exports-map only.
		pj := filepath.Join(site, "node_modules", "uuid", "package.json")
		data, _ := os.ReadFile(pj)
		os.WriteFile(pj, bytes.Replace(data, []byte(`"version": "`), []byte(`"version": "9`), 1), 0o644)
		if got := built(t, nil); !got["exports-map"] || len(got) >= n {
			t.Errorf("rebuilt %v, want exports-map and not all %d", got, n)
		}
	})
	t.Run("shadowing package", func(t *testing.T) {
		// A nearer node_modules/ms shadows the hoisted one for the
		// functions folder.
		write("netlify/functions/node_modules/ms/package.json", `{"name":"ms","version":"9.9.9","main":"index.js"}`)
		write("netlify/functions/node_modules/ms/index.js", `module.exports = () => 1;`)
		got := built(t, nil)
		if !got["nested"] {
			t.Errorf("rebuilt %v, want nested (it requires ms)", got)
		}
		os.RemoveAll(filepath.Join(fn, "node_modules"))
	})
	t.Run("shadowing file", func(t *testing.T) {
		// with-files requires ./lib? Find a relative import and put a .ts
		// beside nothing: a new index.ts beside an imported index.js.
		entries, _ := os.ReadDir(filepath.Join(fn, "lib"))
		if len(entries) == 0 {
			t.Fatal("fixtures/node-deps has no netlify/functions/lib folder any more")
		}
		write("netlify/functions/lib/zzz-new.ts", "export {}")
		got := built(t, nil)
		if len(got) == 0 {
			t.Errorf("a new file in an imported folder rebuilt nothing")
		}
		os.Remove(filepath.Join(fn, "lib", "zzz-new.ts"))
	})
	t.Run("netlify.toml", func(t *testing.T) {
		got := built(t, func(o *Options) {
			c := *o.Config
			c.Patterns = append(slices.Clone(c.Patterns), config.Pattern{Glob: "nested", Config: config.FunctionConfig{Timeout: 26}})
			o.Config = &c
		})
		if len(got) != 1 || !got["nested"] {
			t.Errorf("rebuilt %v, want only nested", got)
		}
	})
	t.Run("node version", func(t *testing.T) {
		if got := built(t, func(o *Options) { o.NodeVersion = "20" }); len(got) != n {
			t.Errorf("rebuilt %d of %d after a Node.js version change", len(got), n)
		}
	})
	t.Run("included file", func(t *testing.T) {
		write("content/new-page.md", "# new")
		if got := built(t, nil); !got["with-files"] {
			t.Errorf("rebuilt %v, want with-files (its included_files match content/**)", got)
		}
	})
}

// A damaged cache is a miss with a warning, never a wrong archive.
func TestCacheCorruptionIsAMiss(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200, body: "hi" });`,
		"netlify/functions/other.js": `exports.handler = async () => ({ statusCode: 200, body: "other" });`,
	})
	settle()
	cacheDir, tmp := t.TempDir(), t.TempDir()
	dest := filepath.Join(tmp, "out")
	if _, err := cachedBuild(t, site, dest, cacheDir, nil); err != nil {
		t.Fatal(err)
	}
	// Damage every blob: cut short, or altered with its size kept.
	var blobs []string
	filepath.WalkDir(filepath.Join(cacheDir, "build", "v1", "blob"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs = append(blobs, p)
		}
		return nil
	})
	if len(blobs) != 2 {
		t.Fatalf("%d blobs, want 2", len(blobs))
	}
	// The blobs are hard links to the published archives: replace them,
	// as a disk fault would change the blob alone.
	for i, b := range blobs {
		data, _ := os.ReadFile(b)
		os.Remove(b)
		if i == 0 {
			data = data[:len(data)/2]
		} else {
			data[len(data)/2] ^= 0xff
		}
		os.WriteFile(b, data, 0o644)
	}
	rep, err := cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cache.Hits != 0 || rep.Cache.Misses != 2 {
		t.Fatalf("with damaged blobs: %+v", rep.Cache)
	}
	if !strings.Contains(warningsText(rep), "changed after it was written") {
		t.Errorf("no warning about the damaged cache: %s", warningsText(rep))
	}
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, &Report{Functions: rep.Functions}, filepath.Join(tmp, "cold"), dest)
	// Records cut short likewise.
	filepath.WalkDir(filepath.Join(cacheDir, "build", "v1", "rec"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-1], 0o644)
		}
		return nil
	})
	rep, err = cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil || rep.Cache.Hits != 0 {
		t.Fatalf("with damaged records: %+v, %v", rep.Cache, err)
	}
	// And the cache heals: the next build hits.
	rep, err = cachedBuild(t, site, dest, cacheDir, nil)
	if err != nil || rep.Cache.Hits != 2 {
		t.Fatalf("after the rebuild: %+v, %v", rep.Cache, err)
	}
}

func warningsText(rep *Report) string {
	var b strings.Builder
	for _, w := range rep.Warnings {
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}

// Builds running at once over one cache (several zisi processes) all
// succeed with the right output.
func TestCacheSharedByConcurrentBuilds(t *testing.T) {
	site := nodeDepsSite(t)
	cacheDir, tmp := t.TempDir(), t.TempDir()
	cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	reps := make([]*Report, 4)
	errs := make([]error, 4)
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = cachedBuild(t, site, filepath.Join(tmp, "d", string(rune('a'+i))), cacheDir, nil)
		}()
	}
	wg.Wait()
	for i, rep := range reps {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		sameOutput(t, cold, rep, filepath.Join(tmp, "cold"), filepath.Join(tmp, "d", string(rune('a'+i))))
	}
	for i := range reps {
		d := filepath.Join(tmp, "d", string(rune('a'+i)))
		rep, err := cachedBuild(t, site, d, cacheDir, nil)
		if err != nil || rep.Cache.Misses != 0 {
			t.Fatalf("after the concurrent builds: %+v, %v", rep.Cache, err)
		}
		sameOutput(t, cold, rep, filepath.Join(tmp, "cold"), d)
	}
}

// A Go function is rebuilt when its source changes, and restored (no go
// build at all) when nothing did.
func TestCacheGoFunction(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify/functions/gofn/go.mod":  "module example.com/gofn\n\ngo 1.22\n",
		"netlify/functions/gofn/main.go": "package main\n\nfunc main() { println(\"one\") }\n",
		"netlify/functions/hello.js":     `exports.handler = async () => ({ statusCode: 200, body: "hi" });`,
	})
	settle()
	cacheDir, tmp := t.TempDir(), t.TempDir()
	var steps []string
	var mu sync.Mutex
	onEvent := func(o *Options) {
		o.OnEvent = func(e Event) {
			if e.Kind == EventStep {
				mu.Lock()
				steps = append(steps, e.Step)
				mu.Unlock()
			}
		}
	}
	dest := filepath.Join(tmp, "out")
	if _, err := cachedBuild(t, site, dest, cacheDir, onEvent); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 {
		t.Fatalf("steps of the first build: %q", steps)
	}
	steps = nil
	rep, err := cachedBuild(t, site, dest, cacheDir, onEvent)
	if err != nil || rep.Cache.Hits != 2 || len(steps) != 0 {
		t.Fatalf("rebuild: %+v %v, steps %q", rep.Cache, err, steps)
	}
	testfs.Write(t, site, map[string]string{"netlify/functions/gofn/util.go": "package main\n\nvar x = 1\n"})
	settle()
	rep, err = cachedBuild(t, site, dest, cacheDir, onEvent)
	if err != nil || rep.Cache.Misses != 1 || len(steps) != 1 {
		t.Fatalf("after a new Go file: %+v %v, steps %q", rep.Cache, err, steps)
	}
	// Another architecture is another key.
	rep, err = cachedBuild(t, site, dest, cacheDir, func(o *Options) { onEvent(o); o.GoArch = "arm64" })
	if err != nil || len(steps) != 2 || !strings.Contains(steps[1], "arm64") {
		t.Fatalf("arm64: %+v %v, steps %q", rep.Cache, err, steps)
	}
}

// A glob-style require loads whatever its folder holds: a file added
// there rebuilds the function, with every bundler, even when the folder
// held no match before (or did not exist).
func TestCacheGlobRequire(t *testing.T) {
	for _, bundler := range []string{"zisi", "esbuild", "nft"} {
		t.Run(bundler, func(t *testing.T) {
			site := testfs.Site(t, map[string]string{
				"netlify.toml": "[functions]\nnode_bundler = \"" + bundler + "\"\n",
				"netlify/functions/plug.js": `exports.handler = async (e) => {
  const p = require("../../plugins/" + e.name + ".js");
  return { statusCode: 200, body: p.name };
};`,
				"plugins/README.md": "no plugins yet",
			})
			settle()
			cacheDir, tmp := t.TempDir(), t.TempDir()
			dest := filepath.Join(tmp, "out")
			if _, err := cachedBuild(t, site, dest, cacheDir, nil); err != nil {
				t.Fatal(err)
			}
			for i, add := range []string{"plugins/a.js", "plugins/deep/b.js"} {
				testfs.Write(t, site, map[string]string{add: `exports.name = "a";`})
				settle()
				rep, err := cachedBuild(t, site, dest, cacheDir, nil)
				if err != nil {
					t.Fatal(err)
				}
				cold, err := cachedBuild(t, site, filepath.Join(tmp, "cold"), "", nil)
				if err != nil {
					t.Fatal(err)
				}
				sameOutput(t, cold, rep, filepath.Join(tmp, "cold"), dest)
				if i == 0 && rep.Cache.Misses != 1 {
					t.Errorf("after adding %s: %+v, want the function rebuilt", add, rep.Cache)
				}
			}
		})
	}
}

// A cache folder inside the site (--cache-dir .netlify/zisi-cache) never
// ships through included_files, with or without the cache: its files
// change with every build.
func TestCacheFolderInsideTheSiteNeverShips(t *testing.T) {
	site := testfs.Site(t, map[string]string{
		"netlify.toml":               "[functions]\nincluded_files = [\".netlify/**\", \"data/**\"]\n",
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200, body: "hi" });`,
		"data/a.txt":                 "a",
		".netlify/state.json":        "{}",
	})
	settle()
	cacheDir := filepath.Join(site, ".netlify", "zisi-cache")
	dest := filepath.Join(t.TempDir(), "out")
	for i := range 3 {
		rep, err := cachedBuild(t, site, dest, cacheDir, nil)
		if err != nil {
			t.Fatal(err)
		}
		inc := rep.Functions[0].IncludedFiles
		if len(inc) != 2 || slices.ContainsFunc(inc, func(f string) bool { return strings.Contains(f, "zisi-cache") }) {
			t.Fatalf("build %d ships %q", i, inc)
		}
		if i == 2 && rep.Cache.Hits != 1 {
			t.Errorf("build %d: %+v", i, rep.Cache)
		}
	}
	cold, err := cachedBuild(t, site, filepath.Join(t.TempDir(), "cold"), "", func(o *Options) { o.CacheDir = cacheDir })
	if err != nil {
		t.Fatal(err)
	}
	if inc := cold.Functions[0].IncludedFiles; len(inc) != 2 {
		t.Errorf("a cold build ships %q", inc)
	}
}
