package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/testfs"
)

func TestBuildCacheCLI(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js": handler,
		"netlify/functions/bye.js":   handler,
	})
	// Older than the cache's racy window (see bundler's settle).
	time.Sleep(40 * time.Millisecond)
	cacheDir, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	build := func(extra ...string) runResult {
		t.Helper()
		args := append([]string{"build", "--cache-dir", cacheDir, "--json"}, extra...)
		r := run(t, append(args, filepath.Join(site, "netlify", "functions"), out)...)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		return r
	}
	first := build()
	if !strings.Contains(first.stderr, "0 cached, 2 built") {
		t.Errorf("first build:\n%s", first.stderr)
	}
	second := build()
	if !strings.Contains(second.stderr, "2 cached, 0 built") || strings.Count(second.stderr, " cached ") != 2 {
		t.Errorf("second build does not say cached:\n%s", second.stderr)
	}
	// --json gives the reference's results, the same either way.
	if first.stdout != second.stdout || strings.Contains(second.stdout, "ached") {
		t.Errorf("--json differs or mentions the cache:\n%s\n%s", first.stdout, second.stdout)
	}
	if r := build("--no-cache"); strings.Contains(r.stderr, "cached") {
		t.Errorf("--no-cache build mentions the cache:\n%s", r.stderr)
	}

	r := run(t, "cache", "stats", "--cache-dir", cacheDir, "--json")
	var st struct {
		Dir      string `json:"dir"`
		Blobs    int    `json:"blobs"`
		Records  int    `json:"records"`
		Bytes    int64  `json:"bytes"`
		MaxBytes int64  `json:"maxBytes"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatalf("cache stats --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st.Blobs != 2 || st.Records == 0 || st.Bytes == 0 || st.MaxBytes != 2<<30 || st.Dir != filepath.Join(cacheDir, "build") {
		t.Errorf("cache stats: %+v", st)
	}
	if r := run(t, "cache", "stats", "--cache-dir", cacheDir, "--cache-max-size", "500MB"); r.code != 0 || !strings.Contains(r.stdout, "2 archives") || !strings.Contains(r.stdout, "476.8 MiB") {
		t.Errorf("cache stats: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "cache", "clean", "--cache-dir", cacheDir); r.code != 0 || !strings.Contains(r.stderr, "emptied the build cache") {
		t.Errorf("cache clean: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, "cache", "stats", "--cache-dir", cacheDir); !strings.Contains(r.stdout, "0 archives, 0 records") {
		t.Errorf("after clean:\n%s", r.stdout)
	}
	if r := build(); !strings.Contains(r.stderr, "0 cached, 2 built") {
		t.Errorf("after clean, a build restored something:\n%s", r.stderr)
	}
	for _, args := range [][]string{{"cache"}, {"cache", "purge"}, {"build", "--cache-max-size", "lots", out}} {
		if r := run(t, args...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", args, r.code, exitUsage, r.stderr)
		}
	}
}

// --remote-cache: a machine with an empty local cache restores from the
// shared store (a folder here, through the same blob API as s3://).
func TestBuildRemoteCacheCLI(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{"netlify/functions/hello.js": handler})
	time.Sleep(40 * time.Millisecond) // older than the cache's racy window
	store, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for i, want := range []string{"0 cached, 1 built", "1 cached, 0 built (1 from file://" + store + ")"} {
		r := run(t, "build", "--cache-dir", t.TempDir(), "--remote-cache", "file://"+store, filepath.Join(site, "netlify", "functions"), out)
		if r.code != 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("build %d: exit %d, want %q:\n%s", i+1, r.code, want, r.stderr)
		}
	}
	if r := run(t, "build", "--remote-cache", "ftp://example.invalid/x", filepath.Join(site, "netlify", "functions"), out); r.code != 0 || !strings.Contains(r.stderr, "warning: build cache:") {
		t.Errorf("an unsupported store: exit %d, want a warning and a build:\n%s", r.code, r.stderr)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "1048576": 1 << 20, "500MB": 500e6, "2GiB": 2 << 30, "1.5G": 3 << 29, "64 KiB": 64 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"lots", "-1MB", "0", "MB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// Several zisi processes building at once over one cache, each into its
// own destination, all succeed with the same archives, and leave a cache
// that later builds hit.
func TestBuildCacheSharedByProcesses(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for i := range 6 {
		files[fmt.Sprintf("netlify/functions/f%d.js", i)] = fmt.Sprintf("exports.handler = async () => ({ statusCode: 200, body: %q });\n", strings.Repeat("x", i*1000))
	}
	site := testfs.Site(t, files)
	time.Sleep(40 * time.Millisecond) // older than the cache's racy window
	cacheDir, outs := t.TempDir(), t.TempDir()
	var procs []*proc
	for i := range 4 {
		procs = append(procs, startZisi(t, site, nil, "build", "-q", "--cache-dir", cacheDir, "netlify/functions", filepath.Join(outs, strconv.Itoa(i))))
	}
	for i, p := range procs {
		if r := p.wait(t, 2*time.Minute); r.code != 0 {
			t.Fatalf("process %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	first := zipBytes(t, filepath.Join(outs, "0"))
	for i := range 4 {
		d := filepath.Join(outs, strconv.Itoa(i))
		if got := zipBytes(t, d); !maps.EqualFunc(got, first, bytes.Equal) || len(got) != 6 {
			t.Errorf("destination %d differs from destination 0", i)
		}
		r := run(t, "build", "--cache-dir", cacheDir, filepath.Join(site, "netlify", "functions"), d)
		if !strings.Contains(r.stderr, "6 cached, 0 built") {
			t.Errorf("rebuild of destination %d:\n%s", i, r.stderr)
		}
	}
}

func zipBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}
