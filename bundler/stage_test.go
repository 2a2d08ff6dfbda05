package bundler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestDestinationLock: a build into a destination another build holds
// waits for it (saying so once), or fails with ErrDestinationBusy when
// told not to wait; nothing of the previous deploy changes meanwhile.
func TestDestinationLock(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler})
	testfs.Write(t, out, map[string]string{"manifest.json": "previous"})
	holder, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if ok, err := tryLock(holder); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	_, err = ZipFunctions(t.Context(), []string{src}, out, Options{NoWait: true})
	if !errors.Is(err, ErrDestinationBusy) || !strings.Contains(err.Error(), out) {
		t.Fatalf("got %v, want ErrDestinationBusy naming %s", err, out)
	}
	var waits atomic.Int32
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{OnWait: func(dest string) {
		waits.Add(1)
		if data, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(data) != "previous" {
			t.Errorf("the manifest changed while waiting: %s", data)
		}
		unlock(holder) // the other build finishes
	}})
	if err != nil || waits.Load() != 1 || rep.Manifest == "" {
		t.Fatalf("got %v, %d waits", err, waits.Load())
	}
}

// TestLeftoversOfKilledBuildsAreRemoved: a staging folder and temporary
// files a killed build left are removed by the next build; other files
// stay.
func TestLeftoversOfKilledBuildsAreRemoved(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler})
	testfs.Write(t, out, map[string]string{
		".zisi-staging-123/a.zip": strings.Repeat("x", 1<<20),
		".a.zip.tmp-456":          "half",
		".manifest.json.tmp-789":  "half",
		"keep.txt":                "mine",
		".hidden":                 "mine too",
	})
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != ".hidden a.zip keep.txt manifest.json" {
		t.Errorf("destination holds %s", got)
	}
}

// TestDestinationAndManifestChecks: a destination that is a symlink into
// the functions folder, a manifest inside a source folder (also through
// a link) and a manifest where a function's archive goes are refused
// before anything is written, and no source file is touched.
func TestDestinationAndManifestChecks(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	testfs.Write(t, site, map[string]string{"fns/a.js": handler, "fns/sub/keep.js": "// a source file\n"})
	fns := filepath.Join(site, "fns")
	link := filepath.Join(site, "dist-link")
	if err := os.Symlink(filepath.Join(fns, "sub"), link); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	manifestLink := filepath.Join(out, "m-link")
	if err := os.Symlink(fns, manifestLink); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dest string
		opts Options
		want string
	}{
		{"destination links into the source folder", link, Options{ArchiveFormat: ArchiveNone}, "is inside source folder"},
		{"manifest inside the source folder", out, Options{ManifestPath: filepath.Join(fns, "manifest.json")}, "manifest"},
		{"manifest through a link into the source folder", out, Options{ManifestPath: filepath.Join(manifestLink, "manifest.json")}, "is inside source folder"},
		{"manifest over a function's archive", out, Options{ManifestPath: filepath.Join(out, "a.zip")}, `is where function output "a.zip" goes`},
	}
	for _, tc := range cases {
		_, err := ZipFunctions(t.Context(), []string{fns}, tc.dest, tc.opts)
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(fns, "sub", "keep.js")); err != nil || string(data) != "// a source file\n" {
		t.Errorf("a source file was touched: %q %v", data, err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("refused builds wrote %v", entries)
	}
}

// TestPanicFailsOneFunction: a panic while building one function is that
// function's error, with the stack; the build goes on, the rest are
// built, nothing is published. Not parallel: it sets the package's test
// hook.
func TestPanicFailsOneFunction(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler, "boom.js": handler, "c.js": handler})
	testHook = func(name string) {
		if name == "boom" {
			panic("deliberate")
		}
	}
	defer func() { testHook = nil }()
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	var be *BuildError
	if !errors.As(err, &be) || len(be.Failures) != 1 || be.Failures[0].Name != "boom" || !errors.Is(be.Failures[0], ErrInternal) {
		t.Fatalf("got %v", err)
	}
	if msg := be.Failures[0].Error(); !strings.Contains(msg, "deliberate") || !strings.Contains(msg, "safeBuild") {
		t.Errorf("message lacks the panic and its stack: %s", msg)
	}
	if len(rep.Functions) != 2 {
		t.Errorf("%d functions built, want the other 2", len(rep.Functions))
	}
}
