package resolver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestLstatMatchesOS: the resolver's cached Lstat answers what os.Lstat
// does for a file, a folder, a link to a file (not followed), a file
// under a linked folder, a dangling link and paths that do not exist, and
// asking twice gives the same answer.
func TestLstatMatchesOS(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "pkg", "lib"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "pkg", "lib", "index.js"), []byte("module.exports = 1;\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "pkg", "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	must(os.Symlink("lib/index.js", filepath.Join(dir, "pkg", "main.js")))
	must(os.Symlink(filepath.Join(dir, "pkg"), filepath.Join(dir, "linked")))
	must(os.Symlink("nowhere", filepath.Join(dir, "pkg", "dangling")))
	r := New(OS())
	for _, p := range []string{
		dir + "/pkg/lib/index.js", dir + "/pkg/run.sh", dir + "/pkg/lib", dir + "/pkg/main.js",
		dir + "/linked", dir + "/linked/lib/index.js", dir + "/linked/main.js", dir + "/pkg/dangling",
		dir + "/pkg/missing.js", dir + "/missing/x.js", dir + "/pkg/dangling/x", dir + "/pkg/./lib/../run.sh", "/",
	} {
		want, werr := os.Lstat(p)
		for range 2 {
			got, err := r.Lstat(p)
			if (err == nil) != (werr == nil) {
				t.Fatalf("Lstat(%q): %v; os.Lstat: %v", p, err, werr)
			}
			if werr != nil {
				if errors.Is(werr, fs.ErrNotExist) != errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Lstat(%q): %v; os.Lstat: %v", p, err, werr)
				}
				continue
			}
			if !os.SameFile(got, want) || got.Mode() != want.Mode() || got.Size() != want.Size() || !got.ModTime().Equal(want.ModTime()) {
				t.Errorf("Lstat(%q) = %v %v %d; os.Lstat = %v %v %d", p, got.Name(), got.Mode(), got.Size(), want.Name(), want.Mode(), want.Size())
			}
		}
	}
	if _, err := r.Lstat("pkg/run.sh"); !errors.Is(err, ErrRelativePath) {
		t.Errorf("relative path: %v", err)
	}
}
