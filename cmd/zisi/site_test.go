package main

import (
	"archive/zip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/manifest"
)

// TestBuildSiteLikeNetlifyBuild runs `zisi build DEST` with no source
// folders in a framework-style site: user functions, both generated
// folders, a JSON configuration file and the Frameworks API's config.
func TestBuildSiteLikeNetlifyBuild(t *testing.T) {
	// Changes the working directory and environment: not parallel.
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{
		"netlify.toml":                         "[functions.\"*\"]\n  timeout = 12\n",
		"netlify/functions/hello.js":           handler,
		".netlify/functions-internal/ssr.js":   handler,
		".netlify/functions-internal/ssr.json": `{"version": 1, "config": {"name": "SSR", "generator": "acme@1"}}`,
		".netlify/functions-internal/plain.js": handler,
		".netlify/v1/functions/image.mjs":      "export default async () => new Response('img')\nexport const config = { path: '/img' }\n",
		".netlify/v1/config.json":              `{"functions": {"image": {"timeout": 30}}}`,
		".netlify/functions-internal/hello.js": handler, // replaced by the user's hello.js
	})
	t.Chdir(site)
	t.Setenv("BRANCH", "feature-x")
	r := run(t, "build", "--json", "-q", "out")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var results []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil {
		t.Fatal(err)
	}
	type want struct {
		priority  float64
		generator string
		display   string
		timeout   float64
		main      string
	}
	wants := map[string]want{
		"hello": {10, "", "", 12, "netlify/functions/hello.js"},
		"ssr":   {0, "acme@1", "SSR", 12, ".netlify/functions-internal/ssr.js"},
		"plain": {0, "internalFunc", "", 12, ".netlify/functions-internal/plain.js"},
		// netlify.toml's "*" and the Frameworks API's "image" both match;
		// the more specific pattern wins.
		"image": {0, "internalFunc", "", 30, ".netlify/v1/functions/image.mjs"},
	}
	for _, res := range results {
		name, _ := res["name"].(string)
		w, ok := wants[name]
		if !ok {
			t.Errorf("unexpected %q", name)
			continue
		}
		delete(wants, name)
		gen, _ := res["generator"].(string)
		disp, _ := res["displayName"].(string)
		timeout, _ := res["timeout"].(float64)
		main, _ := res["mainFile"].(string)
		if res["priority"] != w.priority || gen != w.generator || disp != w.display || timeout != w.timeout || !strings.HasSuffix(main, w.main) {
			t.Errorf("%s: priority %v generator %q displayName %q timeout %v main %s, want %+v", name, res["priority"], gen, disp, timeout, main, w)
		}
	}
	if len(wants) > 0 {
		t.Errorf("not built: %v", wants)
	}
	if !strings.Contains(r.stderr, "generated function not built") {
		t.Errorf("no warning about the replaced generated hello.js:\n%s", r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(site, "out", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest.Manifest
	if err := json.Unmarshal(data, &m); err != nil || len(m.Functions) != 4 {
		t.Fatalf("manifest: %v, %d functions", err, len(m.Functions))
	}

	// BRANCH reaches the v2 metadata file.
	zr, err := zip.OpenReader(filepath.Join(site, "out", "image.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	meta, err := fs.ReadFile(zr, "___netlify-metadata.json")
	if err != nil || !strings.Contains(string(meta), `"branch":"feature-x"`) {
		t.Errorf("metadata %s (%v), want the branch", meta, err)
	}

	r = run(t, "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "SOURCE") || !strings.Contains(lines[0], "PRIORITY") {
		t.Fatalf("list:\n%s", r.stdout)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		gen := strings.Contains(l, ".netlify/")
		if gen && (f[2] != "generated" || f[3] != "0") || !gen && (f[2] != "user" || f[3] != "10") {
			t.Errorf("list row %q", l)
		}
	}

	// Source folders on the command line replace the site's: only the
	// user's function is built, unless --generated-dir names more.
	r = run(t, "build", "--json", "-q", "netlify/functions", "out2")
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil || r.code != 0 || len(results) != 1 {
		t.Errorf("with SRC_DIR: exit %d, %d results\n%s", r.code, len(results), r.stderr)
	}
	r = run(t, "build", "--json", "-q", "--generated-dir", ".netlify/v1/functions", "netlify/functions", "out3")
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil || r.code != 0 || len(results) != 2 {
		t.Errorf("with --generated-dir: exit %d, %d results\n%s", r.code, len(results), r.stderr)
	}
}

func TestBuildServer(t *testing.T) {
	t.Parallel()
	site, err := filepath.Abs("../../fixtures/server")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r := run(t, "build", "--json", "--server", filepath.Join(site, "netlify/server"), filepath.Join(site, "netlify/server"), out)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var got struct {
		Functions []map[string]any `json:"functions"`
		Server    map[string]any   `json:"server"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got.Server["path"] != filepath.Join(out, "server", "server.tgz") || got.Server["bundler"] != "nft" || !strings.Contains(r.stderr, "server  js nft") {
		t.Errorf("server %v\n%s", got.Server, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "server", "manifest.json"))
	if err != nil || !strings.Contains(string(data), `"prefer_static":true`) {
		t.Errorf("server manifest %s (%v)", data, err)
	}

	empty := t.TempDir()
	r = run(t, "build", "--server", empty, filepath.Join(site, "netlify/server"), t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, empty) {
		t.Errorf("no entry: exit %d\n%s", r.code, r.stderr)
	}
}

func TestStrictAndRemovedOutputs(t *testing.T) {
	t.Parallel()
	site, out := t.TempDir(), t.TempDir()
	testfs.Write(t, site, map[string]string{"fns/a.js": handler, "fns/b.js": handler})
	if r := run(t, "build", "-q", filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("build: %d %s", r.code, r.stderr)
	}
	before, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	// A warning (an unknown key) fails a strict build; nothing changes.
	testfs.Write(t, site, map[string]string{"netlify.toml": "[functions]\n  external_node_module = [\"x\"]\n"})
	os.Remove(filepath.Join(site, "fns/b.js"))
	r := run(t, "build", "--strict", "--config", filepath.Join(site, "netlify.toml"), filepath.Join(site, "fns"), out)
	if r.code != 1 || !strings.Contains(r.stderr, "external_node_module") || !strings.Contains(r.stderr, "--strict") {
		t.Errorf("strict: exit %d\n%s", r.code, r.stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if string(before) != string(after) {
		t.Error("a strict build with warnings changed the manifest")
	}
	if _, err := os.Stat(filepath.Join(out, "b.zip")); err != nil {
		t.Errorf("a strict build removed b.zip: %v", err)
	}
	// Without --strict it builds, and b.zip, no longer produced, goes.
	r = run(t, "build", "--config", filepath.Join(site, "netlify.toml"), filepath.Join(site, "fns"), out)
	if r.code != 0 || !strings.Contains(r.stderr, "removed 1 output of the previous build that this build no longer produces: b.zip") {
		t.Errorf("build: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "b.zip")); !os.IsNotExist(err) {
		t.Errorf("b.zip is still there: %v", err)
	}
}
