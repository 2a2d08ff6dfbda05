package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSiteJobs: conformance.json's config goes after netlify.toml's
// patterns, each run is a job named after it with its flags (an empty
// set, not nil, for a run without any) and expected errors, and a site
// without the file is one job without flags.
func TestSiteJobs(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	writeFiles(t, site, map[string]string{
		"netlify.toml": "[functions.api]\nnode_bundler = \"esbuild\"\n",
		"conformance.json": `{"config": {"api": {"nodeModuleFormat": "esm"}},
			"runs": [{"name": "", "featureFlags": null}, {"name": "pure", "featureFlags": {"zisi_pure_esm": true}, "errors": {"bad": "is a CommonJS module"}}]}`,
	})
	jobs, err := siteJobs(site, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d jobs, want 2", len(jobs))
	}
	base := filepath.Base(site)
	if jobs[0].scenario != base || jobs[1].scenario != base+"@pure" {
		t.Errorf("scenarios %q, %q", jobs[0].scenario, jobs[1].scenario)
	}
	if jobs[0].flags == nil || len(jobs[0].flags) != 0 || !jobs[1].flags["zisi_pure_esm"] {
		t.Errorf("flags %v, %v", jobs[0].flags, jobs[1].flags)
	}
	if jobs[1].errors["bad"] != "is a CommonJS module" || jobs[0].errors != nil {
		t.Errorf("errors %v, %v", jobs[0].errors, jobs[1].errors)
	}
	ps := jobs[1].cfg.Patterns
	if len(ps) != 2 || ps[1].Glob != "api" || ps[1].Config.NodeModuleFormat != "esm" || ps[1].Order != 1 || ps[0].Config.NodeBundler != config.BundlerEsbuildZisi {
		t.Errorf("patterns %+v", ps)
	}
	if got := referenceConfig(jobs[1].cfg)["api"]; got.NodeModuleFormat != "esm" || got.NodeBundler != config.BundlerEsbuildZisi {
		t.Errorf("reference config for api: %+v", got)
	}
	if len(jobs[1].extra) != 1 {
		t.Errorf("extra %+v", jobs[1].extra)
	}

	plain := t.TempDir()
	jobs, err = siteJobs(plain, "")
	if err != nil || len(jobs) != 1 || jobs[0].flags != nil {
		t.Errorf("no conformance.json: %+v, %v", jobs, err)
	}
}

// TestSiteJobsInvalid: a nodeModuleFormat zisi refuses, or a file that is
// not JSON, is an error naming conformance.json.
func TestSiteJobsInvalid(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"config": {"*": {"nodeModuleFormat": "umd"}}}`, `{"runs": `} {
		site := t.TempDir()
		writeFiles(t, site, map[string]string{"conformance.json": body})
		if _, err := siteJobs(site, ""); err == nil || !strings.Contains(err.Error(), "conformance.json") {
			t.Errorf("%s: error %v, want one naming conformance.json", body, err)
		}
	}
}

// TestWithPatterns: the site's configuration is not changed.
func TestWithPatterns(t *testing.T) {
	t.Parallel()
	c := &config.Config{Patterns: make([]config.Pattern, 1, 4)}
	c.Patterns[0] = config.Pattern{Glob: "*"}
	got := withPatterns(c, []config.Pattern{{Glob: "a"}})
	if len(c.Patterns) != 1 || len(got.Patterns) != 2 || got.Patterns[1].Order != 1 {
		t.Errorf("withPatterns: %+v from %+v", got.Patterns, c.Patterns)
	}
	if got := withPatterns(nil, []config.Pattern{{Glob: "a"}}); len(got.Patterns) != 1 {
		t.Errorf("withPatterns(nil): %+v", got.Patterns)
	}
}

func TestRunFlags(t *testing.T) {
	t.Parallel()
	base := map[string]bool{"traceWithNft": false}
	got := runFlags(base, map[string]bool{"traceWithNft": true, "zisi_pure_esm": true})
	if want := map[string]bool{"traceWithNft": true, "zisi_pure_esm": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("runFlags = %v, want %v", got, want)
	}
	if base["traceWithNft"] {
		t.Error("runFlags changed the defaults")
	}
	if got := runFlags(nil, nil); got != nil {
		t.Errorf("no flags: %v", got)
	}
	if got := runFlags(base, nil); !reflect.DeepEqual(got, base) {
		t.Errorf("defaults only: %v", got)
	}
}

func TestBothFail(t *testing.T) {
	t.Parallel()
	want := "is a CommonJS module"
	errCJS := errors.New("build cjs: x.js is a CommonJS module")
	if p := bothFail(want, "x.js is a CommonJS module", errCJS); p != "" {
		t.Errorf("both fail: %s", p)
	}
	for _, tc := range []struct {
		ref  string
		ours error
		say  string
	}{
		{"", errCJS, "the reference built it"},
		{"x.js is a CommonJS module", nil, "zisi built it"},
		{"syntax error", errCJS, "the reference's error does not say"},
		{"x.js is a CommonJS module", errors.New("boom"), "zisi's error does not say"},
	} {
		if p := bothFail(want, tc.ref, tc.ours); !strings.Contains(p, tc.say) {
			t.Errorf("%q, %v: %q, want it to say %q", tc.ref, tc.ours, p, tc.say)
		}
	}
}

// TestSiteErrors: in Netlify Build mode the reference stops at its first
// failure, so a second expected function passes on another's error; a
// failure zisi has that is not expected fails.
func TestSiteErrors(t *testing.T) {
	t.Parallel()
	j := job{scenario: "s", errors: map[string]string{"a": "text A", "b": "text B"}}
	z := siteBuild{
		names: []string{"a", "b", "ok"},
		errs:  map[string]error{"a": errors.New("a: text A"), "b": errors.New("b: text B")},
	}
	var out bytes.Buffer
	if got := siteErrors(j, "In a: text A", z, true, &out); got.passed != 2 || got.failed != 0 {
		t.Errorf("tally %+v\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "the other 1 functions are not compared") {
		t.Errorf("no note on the functions not compared:\n%s", out.String())
	}
	out.Reset()
	if got := siteErrors(j, "something else", z, false, &out); got.failed != 2 {
		t.Errorf("an unrelated reference error: tally %+v\n%s", got, out.String())
	}
	out.Reset()
	z.errs["ok"] = errors.New("ok: boom")
	if got := siteErrors(j, "text A", z, false, &out); got.failed != 1 || !strings.Contains(out.String(), "s/ok: zisi fails where no failure is expected") {
		t.Errorf("an unexpected zisi failure: tally %+v\n%s", got, out.String())
	}
}

// TestFlagRunsBothModes builds a small site inside a repository root with
// both tools, in each mode: a run with a feature flag, a run expecting a
// function to fail in both, and a run whose expectation is wrong, which
// must fail. It needs the reference installed (ZISI_REFERENCE_DIR).
func TestFlagRunsBothModes(t *testing.T) {
	ref := os.Getenv("ZISI_REFERENCE_DIR")
	if ref == "" {
		t.Skip("ZISI_REFERENCE_DIR not set (make test sets it up)")
	}
	root := t.TempDir()
	site := filepath.Join(root, "site")
	writeFiles(t, root, map[string]string{
		"package.json":                                    `{"name": "root", "private": true}`,
		"site/package.json":                               `{"name": "site", "private": true}`,
		"site/netlify/functions/plain.js":                 "exports.handler = async () => ({ statusCode: 200, body: 'plain' })\n",
		"site/netlify/functions/hello.mjs":                "export const handler = async () => ({ statusCode: 200, body: 'hello' })\n",
		"site/netlify/functions/cjs-esm/package.json":     `{"type": "module"}`,
		"site/netlify/functions/cjs-esm/cjs-esm.js":       "exports.handler = async () => ({ statusCode: 200, body: 'cjs' })\n",
		"site/netlify/functions/cjs-esm/cjs-esm-extra.js": "// not an entry\n",
		"site/conformance.json": `{"config": {"hello": {"nodeModuleFormat": "esm"}}, "runs": [
			{"name": "cjs-ext", "featureFlags": {"zisi_output_cjs_extension": true}},
			{"name": "strict", "featureFlags": {"traceWithNft": true, "zisi_error_cjs_in_esm_scope": true}, "errors": {"cjs-esm": "is a CommonJS module"}}]}`,
	})
	scenario := filepath.Base(root) + "/site"
	for _, mode := range []string{"functions", "site"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"-v", "-mode", mode, "-reference", ref, "-repository-root", root, site}, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
			}
			for _, w := range []string{
				"PASS  " + scenario + "@cjs-ext/plain",
				"PASS  " + scenario + "@cjs-ext/hello",
				"PASS  " + scenario + `@strict/cjs-esm (both fail: "is a CommonJS module")`,
				" 0 failed",
			} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	// The same site expecting plain to fail, which neither tool does.
	wrong := filepath.Join(root, "wrong")
	writeFiles(t, wrong, map[string]string{
		"netlify/functions/plain.js": "exports.handler = async () => ({ statusCode: 200, body: 'plain' })\n",
		"conformance.json":           `{"runs": [{"name": "x", "featureFlags": {}, "errors": {"plain": "nope"}}]}`,
	})
	for _, mode := range []string{"functions", "site"} {
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"-mode", mode, "-reference", ref, "-repository-root", root, wrong}, &out, &errb)
		w := "FAIL  " + filepath.Base(root) + `/wrong@x/plain: both tools should fail with "nope": the reference built it; zisi built it`
		if code != 1 || !strings.Contains(out.String(), w) {
			t.Errorf("%s mode, a wrong expectation: exit %d, want 1 and %q:\n%s%s", mode, code, w, out.String(), errb.String())
		}
	}
}
