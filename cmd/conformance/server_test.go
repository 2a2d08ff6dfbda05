package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSiteServer: netlify/server is the server when it holds an entry (or
// several, which both tools must then refuse), conformance.json's folder
// when it names one, and a site without either has none.
func TestSiteServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, named string
		files       map[string]string
		want        string // relative to the site; "" for none
	}{
		{name: "entry", files: map[string]string{"netlify/server/index.mjs": ""}, want: "netlify/server"},
		{name: "several entries", files: map[string]string{"netlify/server/index.mjs": "", "netlify/server/index.ts": ""}, want: "netlify/server"},
		{name: "no entry", files: map[string]string{"netlify/server/main.js": ""}},
		{name: "no folder", files: map[string]string{"netlify/functions/a.js": ""}},
		{name: "named", named: "srv", files: map[string]string{"netlify/server/index.mjs": ""}, want: "srv"},
	} {
		site := t.TempDir()
		writeFiles(t, site, tc.files)
		got, err := siteServer(site, tc.named)
		want := ""
		if tc.want != "" {
			want = filepath.Join(site, tc.want)
		}
		if err != nil || got != want {
			t.Errorf("%s: siteServer = %q, %v; want %q", tc.name, got, err, want)
		}
	}
}

// writeTgz writes a gzip-compressed tar with an empty file per name.
func writeTgz(t *testing.T, p string, names ...string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareServerEntries: the reference's telemetry file alone is an
// "entries:telemetry" problem, which a difference of that kind accepts;
// any other entry is an "entries" problem it does not accept; with the
// flag that asks zisi for the file, its absence is a plain difference.
func TestCompareServerEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tgz := func(name string, entries ...string) string {
		p := filepath.Join(dir, name+".tgz")
		writeTgz(t, p, entries...)
		return p
	}
	ours := tgz("ours", "b.mjs", "a.mjs")
	telemetryOnly := tgz("ref1", "a.mjs", telemetry, "b.mjs")
	more := tgz("ref2", "a.mjs", "b.mjs", "node_modules/ms/index.js", telemetry)

	ps := compareServerEntries(telemetryOnly, ours, false)
	if len(ps) != 1 || ps[0].kind != "entries:telemetry" || !onlyKind(ps, "entries:telemetry") {
		t.Errorf("telemetry only: %+v", ps)
	}
	if ps := compareServerEntries(ours, ours, false); len(ps) != 0 {
		t.Errorf("same entries: %+v", ps)
	}
	ps = compareServerEntries(more, ours, false)
	if onlyKind(ps, "entries:telemetry") || len(ps) != 2 || !strings.Contains(ps[1].text, "only in the reference [node_modules/ms/index.js]") {
		t.Errorf("another entry: %+v", ps)
	}
	ps = compareServerEntries(telemetryOnly, ours, true)
	if len(ps) != 1 || ps[0].kind != "entries" || !strings.Contains(ps[0].text, telemetry) {
		t.Errorf("telemetry asked for: %+v", ps)
	}
}

// TestServerMode runs the harness on sites with a server and checks its
// lines: fixtures/server (no functions folder) passes with its telemetry
// difference from differences.json and nothing else; a site whose
// conformance.json names its server folder fails on the telemetry file
// where no difference is listed and passes where one is; a server that
// throws fails as not answering, although both tools build it and its
// telemetry difference is accepted. It needs the reference installed
// (make test does it; ZISI_REFERENCE_DIR).
func TestServerMode(t *testing.T) {
	ref := os.Getenv("ZISI_REFERENCE_DIR")
	if ref == "" {
		t.Skip("ZISI_REFERENCE_DIR not set (make test sets it up)")
	}
	ref, err := filepath.Abs(ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	// compare runs the server comparison of site's one job, with the
	// telemetry difference accepted when accept is set.
	compare := func(t *testing.T, site string, accept bool) (tally, string) {
		t.Helper()
		jobs, err := siteJobs(site, "")
		if err != nil || len(jobs) != 1 || jobs[0].server == "" {
			t.Fatalf("siteJobs = %+v, %v; want one job with a server", jobs, err)
		}
		o := compareOptions{ref: ref, verbose: true, load: true}
		if accept {
			o.diffs = []difference{{Scenario: jobs[0].scenario, Function: serverFunction, Kind: "entries:telemetry", Reason: "accepted by the test"}}
		}
		var out bytes.Buffer
		tl, err := compareServer(t.Context(), jobs[0], o, &out)
		if err != nil {
			t.Fatal(err)
		}
		return tl, out.String()
	}
	t.Run("fixture", func(t *testing.T) {
		t.Parallel()
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"-v", "-reference", ref, filepath.Join("..", "..", "fixtures", "server")}, &out, &errb)
		for _, w := range []string{"DIFF  server/server: intentional: The reference adds ___netlify-telemetry.mjs", "1 intentional differences", "1 passed, 0 failed"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("output lacks %q:\n%s", w, out.String())
			}
		}
		if code != 0 {
			t.Errorf("exit %d\n%s%s", code, out.String(), errb.String())
		}
	})
	t.Run("named folder", func(t *testing.T) {
		t.Parallel()
		site := filepath.Join(t.TempDir(), "named-server")
		writeFiles(t, site, map[string]string{
			"package.json":     `{"name":"named-server","private":true,"type":"module"}`,
			"srv/index.mjs":    `export default { fetch: (req) => new Response("at " + new URL(req.url).pathname) };`,
			"conformance.json": `{"server": "srv"}`,
		})
		tl, out := compare(t, site, false)
		if want := "FAIL  named-server/server:\n        entries: the reference adds ___netlify-telemetry.mjs, zisi does not"; tl.failed != 1 || !strings.HasPrefix(out, want) {
			t.Errorf("no difference listed: %+v\n%s\nwant %q", tl, out, want)
		}
		tl, out = compare(t, site, true)
		if want := "DIFF  named-server/server: intentional: accepted by the test\n"; tl.passed != 1 || tl.intentional != 1 || out != want {
			t.Errorf("difference listed: %+v\n%s\nwant %q", tl, out, want)
		}
	})
	t.Run("does not answer", func(t *testing.T) {
		t.Parallel()
		site := filepath.Join(t.TempDir(), "throwing-server")
		writeFiles(t, site, map[string]string{
			"package.json":             `{"name":"throwing-server","private":true,"type":"module"}`,
			"netlify/server/index.mjs": `export default { fetch: () => { throw new Error("no answer from this server"); } };`,
		})
		tl, out := compare(t, site, true)
		for _, w := range []string{"FAIL  throwing-server/server:\n", "zisi's server archive does not answer a request", "no answer from this server"} {
			if tl.failed != 1 || !strings.Contains(out, w) {
				t.Errorf("%+v: output lacks %q:\n%s", tl, w, out)
			}
		}
	})
}
