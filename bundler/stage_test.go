package bundler

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zisi-build/zisi/internal/archive"
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

func TestStaleOutputsRemovedAfterCommit(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler, "b.js": handler, "c.js": handler})
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{}); err != nil {
		t.Fatal(err)
	}
	testfs.Write(t, out, map[string]string{"keep.txt": "not ours", "notes.zip": "not in the manifest"})
	// b is deleted and c renamed: their archives go, the rest stays.
	os.Remove(filepath.Join(src, "b.js"))
	os.Rename(filepath.Join(src, "c.js"), filepath.Join(src, "d.js"))
	// A failing build removes nothing.
	testfs.Write(t, src, map[string]string{"bad.ts": "export const handler = ({)\n"})
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{}); err == nil {
		t.Fatal("bad.ts built")
	}
	for _, name := range []string{"b.zip", "c.zip"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("a failed build removed %s: %v", name, err)
		}
	}
	os.Remove(filepath.Join(src, "bad.ts"))
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(out, "b.zip"), filepath.Join(out, "c.zip")}
	if real, err := filepath.EvalSymlinks(out); err == nil && real != out {
		want = []string{filepath.Join(real, "b.zip"), filepath.Join(real, "c.zip")}
	}
	if !slices.Equal(rep.Removed, want) {
		t.Errorf("removed %q, want %q", rep.Removed, want)
	}
	var names []string
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"a.zip", "d.zip", "keep.txt", "manifest.json", "notes.zip"}) {
		t.Errorf("out holds %q", names)
	}
}

func TestStrictPublishesNothingOnWarnings(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler})
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{Strict: true}); err != nil {
		t.Fatalf("no warnings: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	testfs.Write(t, src, map[string]string{"b.js": handler})
	// An unknown feature flag is a warning: a strict build fails.
	rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Strict: true, FeatureFlags: map[string]bool{"zisi_pure_esn": true}})
	if !errors.Is(err, ErrStrict) || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].Message, `did you mean "zisi_pure_esm"`) {
		t.Fatalf("err %v, warnings %v", err, rep.Warnings)
	}
	after, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !bytes.Equal(before, after) || rep.Manifest != "" {
		t.Error("a strict build with warnings changed the manifest")
	}
	if _, err := os.Stat(filepath.Join(out, "b.zip")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("b.zip was published: %v", err)
	}
}

func TestFailedBuildLeavesNoNewDestination(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"ok.js": handler, "bad.ts": "export const handler = ({)\n"})
	dest := filepath.Join(t.TempDir(), "fresh", "out")
	if _, err := ZipFunctions(t.Context(), []string{src}, dest, Options{}); err == nil {
		t.Fatal("bad.ts built")
	}
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed build left its new destination behind: %v", err)
	}
}

// TestFsyncPublishesTheSameOutputs: a build with Fsync (every output
// synced before it is published) and one without write the same
// archives byte for byte, the same manifest but for its paths and time,
// and leave nothing else in the destination; a prebuilt zip is copied
// in both modes.
func TestFsyncPublishesTheSameOutputs(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"a.js": handler, "b/index.js": handler})
	if _, err := archive.WriteZip(t.Context(), filepath.Join(src, "prebuilt.zip"), []archive.Entry{{Name: "prebuilt.js", Data: []byte(handler)}}, nil); err != nil {
		t.Fatal(err)
	}
	var manifests [][]byte
	var dirs []string
	for _, fsync := range []bool{false, true} {
		out := t.TempDir()
		rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{Fsync: fsync})
		if err != nil || len(rep.Functions) != 3 {
			t.Fatalf("Fsync %v: %v, %d results", fsync, err, len(rep.Functions))
		}
		data, err := os.ReadFile(rep.Manifest)
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, data)
		dirs = append(dirs, out)
		entries, _ := os.ReadDir(out)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if want := []string{"a.zip", "b.zip", "manifest.json", "prebuilt.zip"}; !slices.Equal(names, want) {
			t.Fatalf("Fsync %v: the destination holds %v, want %v", fsync, names, want)
		}
	}
	for _, name := range []string{"a.zip", "b.zip", "prebuilt.zip"} {
		unsynced, _ := os.ReadFile(filepath.Join(dirs[0], name))
		synced, _ := os.ReadFile(filepath.Join(dirs[1], name))
		if len(unsynced) == 0 || !bytes.Equal(unsynced, synced) {
			t.Errorf("%s: %d bytes without Fsync, %d with; want the same bytes", name, len(unsynced), len(synced))
		}
	}
	strip := func(m []byte, dir string) string {
		s := strings.ReplaceAll(string(m), dir, "DEST")
		return s[:strings.LastIndex(s, `"timestamp"`)]
	}
	if a, b := strip(manifests[0], dirs[0]), strip(manifests[1], dirs[1]); a != b {
		t.Errorf("manifests differ:\n%s\n%s", a, b)
	}
}
