package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// swapBootstrap rewrites the v2 archive at path in place with bootstrap
// as ___netlify-bootstrap.mjs and a metadata file naming version, the
// way zisi once shipped a site's hoisted 1.x copy.
func swapBootstrap(t *testing.T, path string, bootstrap []byte, version string) {
	t.Helper()
	testfs.RewriteZip(t, path, path, map[string][]byte{
		"___netlify-bootstrap.mjs": bootstrap,
		"___netlify-metadata.json": fmt.Appendf(nil, `{"bootstrap_version":%q,"version":1}`, version),
	})
}

// TestVerifyFailsAnIncompatibleBootstrap: fixtures/v2-hoisted built, then
// shipped with the site's hoisted 1.x bootstrap, fails with a line naming
// the bootstrap and its version; as built it passes.
func TestVerifyFailsAnIncompatibleBootstrap(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "v2-hoisted")
	out := t.TempDir()
	if r := run(t, "build", "-q", "--config", cfg, out); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, "verify", "--invoke", out); r.code != 0 || !strings.Contains(r.stderr, "ok    hello: status 201\n") {
		t.Errorf("as built: exit %d\n%s", r.code, r.stderr)
	}
	hoisted := filepath.Join(filepath.Dir(cfg), "node_modules", "@netlify", "serverless-functions-api")
	var pkg struct{ Version string }
	data, err := os.ReadFile(filepath.Join(hoisted, "package.json"))
	if err == nil {
		err = json.Unmarshal(data, &pkg)
	}
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(hoisted, "dist", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hello", "ping"} {
		swapBootstrap(t, filepath.Join(out, name+".zip"), index, pkg.Version)
	}
	r := run(t, "verify", "--invoke", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	lines := strings.Split(r.stderr, "\n")
	for _, name := range []string{"hello", "ping"} {
		head := fmt.Sprintf("FAIL  %s (%s): the v2 bootstrap threw before the function's code ran: ", name, filepath.Join(out, name+".zip"))
		tail := fmt.Sprintf("; the archive ships an incompatible @netlify/serverless-functions-api (version %s from ___netlify-metadata.json); rebuild with zisi", pkg.Version)
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, head) })
		if i < 0 || !strings.HasSuffix(lines[i], tail) || !strings.Contains(lines[i], "(at ___netlify-bootstrap.mjs:") {
			t.Errorf("no line %q…%q:\n%s", head, tail, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "0 passed, 2 failed") {
		t.Errorf("summary:\n%s", r.stderr)
	}
}

// TestVerifyLines: the line for a handler that threw in its own code
// names the frame; a module without a handler fails with its exports.
func TestVerifyLines(t *testing.T) {
	t.Parallel()
	site, out := t.TempDir(), t.TempDir()
	testfs.Write(t, site, map[string]string{
		"fns/throws.js":    "exports.handler = async (event) => {\n  throw new Error(\"boom \" + event.path);\n};\n",
		"fns/nohandler.js": "exports.foo = () => {};\n",
	})
	if r := run(t, "build", "-q", filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("build: %d %s", r.code, r.stderr)
	}
	r := run(t, "verify", "--invoke", out)
	for _, want := range []string{
		"ok    throws: loads; the handler threw with the test event: Error: boom / (at throws.js:2:",
		"FAIL  nohandler (" + filepath.Join(out, "nohandler.zip") + "): the entry file exports no handler function (exports: foo)\n",
		"1 passed, 1 failed",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
}
