package node

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fakeBootstrap(version string) map[string]string {
	return map[string]string{
		"package.json":  `{"name":"@netlify/serverless-functions-api","version":"` + version + `"}`,
		"dist/index.js": "export const getLambdaHandler = () => {}\n",
	}
}

func withPrefix(prefix string, files map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[prefix+k] = v
	}
	return out
}

// TestFindBootstrapOrder: --bootstrap, then a copy of the pinned version
// in the site's node_modules (found from a function folder below it), then
// the per-user cache. A site copy of another version is passed over and
// named, never shipped.
func TestFindBootstrapOrder(t *testing.T) {
	t.Parallel()
	explicit := writeSite(t, fakeBootstrap("2.23.0"))
	// In pinned/apps/web, another version nearer the function shadows the
	// pinned one for Node.js, but not for the bootstrap lookup.
	files := withPrefix("node_modules/@netlify/serverless-functions-api/", fakeBootstrap(BootstrapVersion))
	maps.Copy(files, withPrefix("apps/web/node_modules/@netlify/serverless-functions-api/", fakeBootstrap("1.26.1")))
	pinned := writeSite(t, files)
	hoisted := filepath.Join(pinned, "apps", "web")
	old := writeSite(t, withPrefix("node_modules/@netlify/serverless-functions-api/", fakeBootstrap("1.26.1")))
	cache := writeSite(t, withPrefix("bootstrap/"+BootstrapVersion+"/package/", fakeBootstrap(BootstrapVersion)))

	cases := []struct {
		name    string
		opts    BootstrapOptions
		version string
		source  string
		unused  []string
	}{
		{"explicit wins", BootstrapOptions{Dir: explicit, SiteDirs: []string{pinned}, CacheDir: cache}, "2.23.0", "--bootstrap", nil},
		{"site copy of the pinned version", BootstrapOptions{SiteDirs: []string{filepath.Join(pinned, "netlify", "functions")}, CacheDir: cache}, BootstrapVersion, "the site's node_modules", nil},
		{"pinned above another version", BootstrapOptions{SiteDirs: []string{filepath.Join(hoisted, "netlify", "functions")}, CacheDir: cache}, BootstrapVersion, "the site's node_modules",
			[]string{"1.26.1 in " + filepath.Join(hoisted, "node_modules", "@netlify", "serverless-functions-api")}},
		{"site copy of another version: the cache", BootstrapOptions{SiteDirs: []string{old}, CacheDir: cache}, BootstrapVersion, "the per-user cache",
			[]string{"1.26.1 in " + filepath.Join(old, "node_modules", "@netlify", "serverless-functions-api")}},
		{"cache last", BootstrapOptions{SiteDirs: []string{t.TempDir()}, CacheDir: cache}, BootstrapVersion, "the per-user cache", nil},
	}
	for _, tc := range cases {
		b, err := FindBootstrap(t.Context(), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.Version != tc.version || !strings.HasSuffix(b.File, filepath.Join("dist", "index.js")) || !strings.HasPrefix(b.Source, tc.source) {
			t.Errorf("%s: got %+v, want version %s from %s", tc.name, b, tc.version, tc.source)
		}
		if !slices.Equal(b.Unused, tc.unused) {
			t.Errorf("%s: unused %q, want %q", tc.name, b.Unused, tc.unused)
		}
		if string(b.metadata("")) != `{"bootstrap_version":"`+tc.version+`","version":1}` {
			t.Errorf("%s: metadata %s", tc.name, b.metadata(""))
		}
		if got := string(b.metadata("main")); got != `{"bootstrap_version":"`+tc.version+`","branch":"main","version":1}` {
			t.Errorf("%s: metadata with a branch %s", tc.name, got)
		}
	}
}

// TestExplicitBootstrapVersionCheck: --bootstrap accepts the versions whose
// adapter takes the main file's path and refuses the rest, saying why.
func TestExplicitBootstrapVersionCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		version string
		want    string // "" for accepted
	}{
		{"1.26.1", "takes a loaded module, not a path"},
		{"1.40.9", "takes a loaded module, not a path"},
		{"1.41.0", ""},
		{BootstrapVersion, ""},
		{"2.99.0", ""},
		{"3.0.0", "newer major version"},
		{"latest", "not a semantic version"},
	}
	for _, tc := range cases {
		dir := writeSite(t, fakeBootstrap(tc.version))
		b, err := FindBootstrap(t.Context(), BootstrapOptions{Dir: dir})
		switch {
		case tc.want == "" && (err != nil || b.Version != tc.version):
			t.Errorf("%s: got %+v, %v; want accepted", tc.version, b, err)
		case tc.want != "" && (!errors.Is(err, ErrIncompatibleBootstrap) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir)):
			t.Errorf("%s: got %v; want ErrIncompatibleBootstrap naming %s and %q", tc.version, err, dir, tc.want)
		}
	}
}

// TestFindBootstrapErrors: a wrong --bootstrap directory is reported as
// such, and when nothing is found (npm failing here) the message lists the
// three ways to provide the bootstrap.
func TestFindBootstrapErrors(t *testing.T) {
	t.Parallel()
	_, err := FindBootstrap(t.Context(), BootstrapOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrNoBootstrap) || !strings.Contains(err.Error(), "--bootstrap") {
		t.Errorf("bad --bootstrap: %v", err)
	}
	notPkg := writeSite(t, map[string]string{"package.json": `{"name":"other","version":"1.0.0"}`, "dist/index.js": ""})
	if _, err := FindBootstrap(t.Context(), BootstrapOptions{Dir: notPkg}); err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("wrong package: %v", err)
	}
	_, err = FindBootstrap(t.Context(), BootstrapOptions{SiteDirs: []string{t.TempDir()}, CacheDir: t.TempDir(), Npm: "/nonexistent/npm"})
	if !errors.Is(err, ErrNoBootstrap) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"--bootstrap", "node_modules", "per-user cache", "npm pack", BootstrapPackage + "@" + BootstrapVersion} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestFindBootstrapFillsCache runs the real npm pack into an empty cache:
// the package is unpacked in place and nothing temporary is left behind.
func TestFindBootstrapFillsCache(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	b, err := FindBootstrap(t.Context(), BootstrapOptions{SiteDirs: []string{t.TempDir()}, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "bootstrap", BootstrapVersion, "package", "dist", "index.js")
	if b.Version != BootstrapVersion || b.File != want {
		t.Errorf("got %+v, want %s at %s", b, BootstrapVersion, want)
	}
	left, _ := filepath.Glob(filepath.Join(cache, "bootstrap", BootstrapVersion, ".fill-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A second lookup uses the cache without npm.
	if b2, err := FindBootstrap(t.Context(), BootstrapOptions{CacheDir: cache, Npm: "/nonexistent/npm"}); err != nil || b2.File != want {
		t.Errorf("cached lookup: %+v %v", b2, err)
	}
}
