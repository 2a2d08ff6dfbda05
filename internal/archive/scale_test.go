package archive

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/resolver"
)

// TestDeferSyncWritesTheSameArchives writes more archives than
// maxPendingSyncs with a DeferSync Compressor: each is in place when
// WriteZip returns, WaitSync reports no failure, no temporary file is
// left, and the bytes are those of an archive synced before its rename.
func TestDeferSyncWritesTheSameArchives(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := write(t, filepath.Join(dir, "src/a.js"), strings.Repeat("exports.a = 1;\n", 200), 0o644)
	inline := filepath.Join(dir, "inline.zip")
	if _, err := WriteZip(t.Context(), inline, []Entry{{Name: "a.js", Path: src}}, nil); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(inline)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	comp := NewCompressor()
	comp.DeferSync()
	var names []string
	for i := range maxPendingSyncs + 8 {
		name := fmt.Sprintf("f%02d.zip", i)
		names = append(names, name)
		dest := filepath.Join(out, name)
		if _, err := WriteZip(t.Context(), dest, []Entry{{Name: "a.js", Path: src}}, comp); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(dest); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s right after WriteZip: %d bytes, %v; want the %d bytes of the inline-synced archive", name, len(got), err, len(want))
		}
	}
	if failed := comp.WaitSync(); failed != nil {
		t.Fatalf("WaitSync: %v", failed)
	}
	assertOnly(t, out, names...)
}

// TestShareRealpathKeepsContainment checks that links resolved through a
// shared resolver still keep files outside the roots out, and let the
// ones inside in.
func TestShareRealpathKeepsContainment(t *testing.T) {
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "site")
	inside := write(t, filepath.Join(site, "pkg/real.js"), "real", 0o644)
	write(t, filepath.Join(dir, "secret/key.txt"), "secret", 0o644)
	if err := os.Symlink("../secret", filepath.Join(site, "linked")); err != nil {
		t.Fatal(err)
	}
	comp := NewCompressor()
	comp.Contain(site)
	comp.ShareRealpath(resolver.New(resolver.OS()).Realpath)
	if _, err := WriteZip(t.Context(), filepath.Join(dir, "ok.zip"), []Entry{{Name: "pkg/real.js", Path: inside}}, comp); err != nil {
		t.Fatalf("a file inside the root: %v", err)
	}
	_, err = WriteZip(t.Context(), filepath.Join(dir, "bad.zip"), []Entry{{Name: "key.txt", Path: filepath.Join(site, "linked/key.txt")}}, comp)
	if !errors.Is(err, ErrOutsideRoot) || !strings.Contains(err.Error(), filepath.Join(dir, "secret/key.txt")) {
		t.Fatalf("a file reached through a linked folder outside the root: got %v, want ErrOutsideRoot naming its real path", err)
	}
}
