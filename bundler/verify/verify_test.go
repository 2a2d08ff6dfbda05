package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/bundler"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDetectsMissingModule builds a function whose dependency is shipped
// nowhere (it is loaded with a computed name zisi cannot follow) and one
// that works, then checks verify tells them apart.
func TestDetectsMissingModule(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	write(t, site, map[string]string{
		"package.json":                      `{"name":"s","dependencies":{"greeter":"1.0.0"}}`,
		"node_modules/greeter/package.json": `{"name":"greeter","version":"1.0.0","main":"index.js"}`,
		"node_modules/greeter/index.js":     `module.exports = (n) => "hello " + n;`,
		"fns/good.js":                       `const g = require("greeter"); exports.handler = async () => ({ statusCode: 200, body: g("you") });`,
		"fns/bad.js":                        `const name = "greet" + "er"; const g = require(name); exports.handler = async () => ({ statusCode: 200, body: g("x") });`,
		"fns/throws.js":                     `exports.handler = async (e) => { throw new Error("boom " + e.path); };`,
		"fns/logs.js":                       `exports.handler = async () => { console.log("{not json"); process.stdout.write("noise"); return { statusCode: 204 }; };`,
	})
	out := t.TempDir()
	if _, err := bundler.ZipFunctions(t.Context(), []string{filepath.Join(site, "fns")}, out, bundler.Options{}); err != nil {
		t.Fatal(err)
	}
	// Make sure the archive cannot see the site's node_modules by accident.
	os.RemoveAll(filepath.Join(site, "node_modules"))
	results, err := Dir(t.Context(), out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Result{}
	for _, r := range results {
		byName[r.Name] = r
	}
	if r := byName["good"]; !r.OK || r.StatusCode != 200 || r.Body != "hello you" {
		t.Errorf("good: %+v", r)
	}
	if r := byName["bad"]; r.OK || !r.MissingModule || !strings.Contains(r.Error, "Cannot find module 'greeter'") {
		t.Errorf("bad: %+v", r)
	}
	if r := byName["logs"]; !r.OK || r.StatusCode != 204 {
		t.Errorf("logs: %+v (output from the function must not confuse verify)", r)
	}
	if r := byName["throws"]; !r.OK || !strings.Contains(r.HandlerError, "boom /") {
		t.Errorf("throws: %+v (a handler error is not a load failure)", r)
	}
}

func TestNodeMissing(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	write(t, out, map[string]string{"manifest.json": `{"functions":[{"name":"a","path":"/x/a.zip","runtime":"js","mainFile":"/a.js","buildData":{}}],"system":{},"timestamp":0,"version":1}`})
	_, err := Dir(t.Context(), out, Options{Node: "/nonexistent/node"})
	if err == nil || !strings.Contains(err.Error(), "needs Node.js") {
		t.Fatalf("got %v", err)
	}
}
