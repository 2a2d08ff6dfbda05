package node

import (
	"errors"
	"path/filepath"
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

// TestFindBootstrapOrder: --bootstrap, then the site's node_modules (found
// from a function folder below it), then the per-user cache.
func TestFindBootstrapOrder(t *testing.T) {
	t.Parallel()
	explicit := writeSite(t, fakeBootstrap("9.9.9"))
	site := writeSite(t, withPrefix("node_modules/@netlify/serverless-functions-api/", fakeBootstrap("2.17.0")))
	fnDir := filepath.Join(site, "netlify", "functions")
	cache := writeSite(t, withPrefix("bootstrap/"+BootstrapVersion+"/package/", fakeBootstrap(BootstrapVersion)))

	cases := []struct {
		name    string
		opts    BootstrapOptions
		version string
	}{
		{"explicit wins", BootstrapOptions{Dir: explicit, SiteDirs: []string{fnDir}, CacheDir: cache}, "9.9.9"},
		{"site node_modules next", BootstrapOptions{SiteDirs: []string{fnDir}, CacheDir: cache}, "2.17.0"},
		{"cache last", BootstrapOptions{SiteDirs: []string{t.TempDir()}, CacheDir: cache}, BootstrapVersion},
	}
	for _, tc := range cases {
		b, err := FindBootstrap(t.Context(), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.Version != tc.version || !strings.HasSuffix(b.File, filepath.Join("dist", "index.js")) {
			t.Errorf("%s: got %+v, want version %s", tc.name, b, tc.version)
		}
		if string(b.metadata()) != `{"bootstrap_version":"`+tc.version+`","version":1}` {
			t.Errorf("%s: metadata %s", tc.name, b.metadata())
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
