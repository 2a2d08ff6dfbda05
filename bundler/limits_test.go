package bundler

import (
	"archive/zip"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/testfs"
)

func randomBytes(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b) // incompressible, so zipped ≈ unzipped
	return string(b)
}

func TestSizeLimits(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{
		"big/big.js":                      "require('./blob.bin')\nexports.handler = async () => ({ statusCode: 200 })\n",
		"big/blob.bin":                    randomBytes(t, 3<<20),
		"near/near.js":                    "exports.handler = async () => ({ statusCode: 200 })\n",
		"near/blob.bin":                   randomBytes(t, 1800<<10),
		"deps/deps.js":                    "require('heavy')\nexports.handler = async () => ({ statusCode: 200 })\n",
		"package.json":                    `{"dependencies":{"heavy":"1.0.0"}}`,
		"node_modules/heavy/package.json": `{"name":"heavy","version":"1.0.0","main":"index.js"}`,
		"node_modules/heavy/index.js":     "module.exports = 1\n",
		"node_modules/heavy/data.bin":     strings.Repeat("z", 3<<20),
		"small.js":                        "exports.handler = async () => ({ statusCode: 200 })\n",
		"prebuilt.zip":                    "",
	})
	// A previous build's archive must survive a failed rebuild.
	testfs.Write(t, out, map[string]string{"big.zip": "previous big.zip"})
	var zbuf strings.Builder
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("huge.txt")
	w.Write([]byte(strings.Repeat("a", 3<<20)))
	zw.Close()
	testfs.Write(t, src, map[string]string{"prebuilt.zip": zbuf.String()})

	cfg := &config.Config{Patterns: []config.Pattern{
		{Glob: "*", Config: config.FunctionConfig{ZipSizeLimit: 2, UnzippedSizeLimit: 2}, Order: 0},
		{Glob: "small", Config: config.FunctionConfig{ZipSizeLimit: 1}, Order: 1},
		{Glob: "big", Config: config.FunctionConfig{UnzippedSizeLimit: 10}, Order: 2},
	}}
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Config: cfg, BasePath: src})
	if !errors.Is(err, archive.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	failed := map[string]string{}
	for _, f := range rep.Failures {
		failed[f.Name] = f.Error()
	}
	want := map[string][]string{
		"big":      {"would be 3.0 MiB zipped, over the 2.0 MiB limit", "largest files: blob.bin (3.0 MiB)", "zip_size_limit"},
		"deps":     {"would hold 3.0 MiB unzipped, over the 2.0 MiB limit", "largest packages: heavy (3.0 MiB)", "unzipped_size_limit"},
		"prebuilt": {"would hold 3.0 MiB unzipped", "largest files: huge.txt (3.0 MiB)", "unzipped_size_limit"},
	}
	for name, msgs := range want {
		for _, m := range msgs {
			if !strings.Contains(failed[name], m) {
				t.Errorf("%s: error %q lacks %q", name, failed[name], m)
			}
		}
	}
	if len(failed) != 3 {
		t.Errorf("failures %v", failed)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "big.zip")); string(data) != "previous big.zip" {
		t.Errorf("the previous big.zip was replaced")
	}
	for _, name := range []string{"deps.zip", "prebuilt.zip"} {
		if _, err := os.Stat(filepath.Join(out, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written over its limit (%v)", name, err)
		}
	}
	if entries, _ := filepath.Glob(filepath.Join(out, ".*tmp*")); len(entries) > 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	var warned string
	for _, w := range rep.Warnings {
		if w.Function == "near" {
			warned += w.String() + "\n"
		}
	}
	if !strings.Contains(warned, "zipped, 88% of the 2.0 MiB limit (zip_size_limit)") || !strings.Contains(warned, "unzipped, 88% of the 2.0 MiB limit (unzipped_size_limit)") || !strings.Contains(warned, "largest files: blob.bin (1.8 MiB)") {
		t.Errorf("near: warning %q", warned)
	}
	if len(rep.Functions) != 2 {
		t.Errorf("built %d functions, want near and small", len(rep.Functions))
	}
}

func TestPackageOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"node_modules/a/index.js":                    "a",
		"src/node_modules/@s/b/lib/x.js":             "@s/b",
		"node_modules/a/node_modules/c/package.json": "c",
		"lib/node_modules.js":                        "",
		"node_modules/loose.js":                      "",
	} {
		if got := packageOf(name); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", name, got, want)
		}
	}
}
