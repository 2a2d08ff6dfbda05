package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestVerifyIsSafeByDefault: without --invoke no handler runs, and zisi's
// environment (a secret in it) never reaches a function; with --invoke
// handlers run, still without the secret, and cannot reach the network
// beyond the loopback.
func TestVerifyIsSafeByDefault(t *testing.T) {
	// Sets the environment: not parallel.
	t.Setenv("STRIPE_KEY", "sk_live_do_not_leak")
	site, out, marks := t.TempDir(), t.TempDir(), t.TempDir()
	top, called := filepath.Join(marks, "top.txt"), filepath.Join(marks, "called.txt")
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "from loopback") }))
	defer server.Close()
	testfs.Write(t, site, map[string]string{
		"fns/side.js": fmt.Sprintf(`const fs = require("fs");
fs.writeFileSync(%q, "top " + String(process.env.STRIPE_KEY));
exports.handler = async () => {
  fs.writeFileSync(%q, "called");
  return { statusCode: 200, body: "key=" + String(process.env.STRIPE_KEY) };
};
`, top, called),
		"fns/net.mjs":  "export default async () => { const r = await fetch('http://192.0.2.1/'); return new Response(await r.text()); };\n",
		"fns/loop.mjs": fmt.Sprintf("export default async () => { const r = await fetch(%q); return new Response(await r.text(), { status: 203 }); };\n", server.URL),
	})
	if r := run(t, "build", "-q", filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}

	r := run(t, "verify", out)
	if r.code != 0 || !strings.Contains(r.stderr, "ok    side: loads\n") || !strings.Contains(r.stderr, "handlers not called; --invoke calls them") {
		t.Fatalf("verify: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(called); !os.IsNotExist(err) {
		t.Errorf("a handler ran without --invoke: %v", err)
	}
	if data, err := os.ReadFile(top); err != nil || string(data) != "top undefined" {
		t.Errorf("module top level wrote %q (%v), want the secret unset", data, err)
	}

	r = run(t, "verify", "--invoke", out)
	if r.code != 0 || !strings.Contains(r.stderr, "note: --invoke calls every handler") {
		t.Fatalf("verify --invoke: exit %d\n%s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(called); err != nil || string(data) != "called" {
		t.Errorf("--invoke did not call the handler: %q %v", data, err)
	}
	for _, want := range []string{
		"ok    side: status 200",
		"ok    loop: status 203",
		"ok    net: loads; the handler threw",
		"blocks network access to 192.0.2.1",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("verify --invoke lacks %q:\n%s", want, r.stderr)
		}
	}
	r = run(t, "verify", "--invoke", "--json", out)
	if strings.Contains(r.stdout, "sk_live_do_not_leak") || !strings.Contains(r.stdout, `"body": "key=undefined"`) || !strings.Contains(r.stdout, `"body": "from loopback"`) {
		t.Errorf("verify --invoke --json:\n%s", r.stdout)
	}
	// --env passes one variable on purpose.
	r = run(t, "verify", "--invoke", "--json", "--env", "STRIPE_KEY=sk_test_given", out)
	if !strings.Contains(r.stdout, `"body": "key=sk_test_given"`) {
		t.Errorf("--env: %s", r.stdout)
	}
	if r := run(t, "verify", "--env", "NOEQUALS", out); r.code != 2 {
		t.Errorf("--env NOEQUALS: exit %d", r.code)
	}
}

func TestVerifyNothingToVerify(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	r := run(t, "verify", empty)
	if r.code != 1 || !strings.Contains(r.stderr, "has no manifest.json") {
		t.Errorf("no manifest: exit %d\n%s", r.code, r.stderr)
	}
	testfs.Write(t, empty, map[string]string{"manifest.json": `{"functions":[],"system":{"arch":"x64","platform":"linux"},"timestamp":1,"version":1}`})
	r = run(t, "verify", empty)
	if r.code != 1 || !strings.Contains(r.stderr, "lists no functions") {
		t.Errorf("empty manifest: exit %d\n%s", r.code, r.stderr)
	}
}
