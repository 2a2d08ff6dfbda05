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

// TestDeferredAndSkippedSyncsWriteTheSameArchives writes more archives
// than maxPendingSyncs with a DeferSync Compressor, then with a SkipSync
// one: each is in place when WriteZip returns, WaitSync reports no
// failure, no temporary file is left, and the bytes are those of an
// archive synced before its rename. A write that fails leaves the
// previous archive as it was and no temporary file, in either mode.
func TestDeferredAndSkippedSyncsWriteTheSameArchives(t *testing.T) {
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
	for _, mode := range []struct {
		name string
		set  func(*Compressor)
	}{{"DeferSync", (*Compressor).DeferSync}, {"SkipSync", (*Compressor).SkipSync}} {
		t.Run(mode.name, func(t *testing.T) {
			out := filepath.Join(dir, mode.name)
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			comp := NewCompressor()
			mode.set(comp)
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
			// Over the zipped limit, found once the archive is written.
			var se *SizeError
			if _, err := WriteZipLimited(t.Context(), filepath.Join(out, names[0]), []Entry{{Name: "b.js", Path: src}}, comp, Limits{Zipped: 10}); !errors.As(err, &se) {
				t.Fatalf("an archive over the zipped limit: got %v, want a *SizeError", err)
			}
			if failed := comp.WaitSync(); failed != nil {
				t.Fatalf("WaitSync: %v", failed)
			}
			if got, err := os.ReadFile(filepath.Join(out, names[0])); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s after a failed rewrite: %d bytes, %v; want the previous %d bytes", names[0], len(got), err, len(want))
			}
			assertOnly(t, out, names...)
		})
	}
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
