package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func write(t *testing.T, path, content string, mode fs.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

type zipEntry struct {
	name    string
	mode    fs.FileMode
	content string
}

func readZip(t *testing.T, path string) ([]zipEntry, *zip.Reader) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out = append(out, zipEntry{f.Name, f.Mode(), string(b)})
	}
	return out, zr
}

func TestWriteZipIsReproducible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, filepath.Join(dir, "src/a.js"), strings.Repeat("exports.a = 1;\n", 50), 0o600)
	b := write(t, filepath.Join(dir, "src/lib/b.js"), "exports.b = 2;\n", 0o744)
	entries := []Entry{
		{Name: "a.js", Path: a},
		{Name: "lib/b.js", Path: b},
		{Name: "entry.js", Data: []byte("module.exports = require('./a.js')")},
	}
	first := filepath.Join(dir, "one.zip")
	if _, err := WriteZip(t.Context(), first, entries, nil); err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(entries)
	slices.Reverse(reversed)
	second := filepath.Join(dir, "two.zip")
	if _, err := WriteZip(t.Context(), second, reversed, NewCompressor()); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(first)
	y, _ := os.ReadFile(second)
	if !bytes.Equal(x, y) {
		t.Fatal("entry order changed the archive bytes")
	}
	got, zr := readZip(t, first)
	want := []zipEntry{
		{"a.js", 0o644, strings.Repeat("exports.a = 1;\n", 50)},
		{"entry.js", 0o644, "module.exports = require('./a.js')"},
		{"lib/b.js", 0o755, "exports.b = 2;\n"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("entries:\n got  %v\n want %v", got, want)
	}
	for _, f := range zr.File {
		if f.ModifiedDate != dosDate1980 || f.ModifiedTime != 0 || len(f.Extra) != 0 || f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: date %#x time %#x extra %d creator %#x", f.Name, f.ModifiedDate, f.ModifiedTime, len(f.Extra), f.CreatorVersion)
		}
	}
	if zr.File[0].Method != zip.Deflate {
		t.Errorf("a.js: method %d, want deflate for compressible data", zr.File[0].Method)
	}
}

func TestWriteZipUnicodeNamesAreFlagged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "u.zip")
	if _, err := WriteZip(t.Context(), dest, []Entry{{Name: "héllo wörld.js", Data: []byte("x")}}, nil); err != nil {
		t.Fatal(err)
	}
	_, zr := readZip(t, dest)
	if zr.File[0].Name != "héllo wörld.js" || zr.File[0].Flags&flagUTF8 == 0 {
		t.Errorf("name %q flags %#x", zr.File[0].Name, zr.File[0].Flags)
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "/abs", "../up", "a/../../b", "a/./b", `a\b`, "a\x00b", "C:/x", "a/", "a//b", "."} {
		if err := ValidateName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
	for _, good := range []string{"a", "a/b.js", "node_modules/@scope/x/index.js", "..a", "a..b", "src/héllo.js"} {
		if err := ValidateName(good); err != nil {
			t.Errorf("ValidateName(%q) = %v", good, err)
		}
	}
}

func TestWriteZipRejectsEscapingNamesAndLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "f.zip")
	_, err := WriteZip(t.Context(), dest, []Entry{{Name: "../evil.js", Data: []byte("x")}}, nil)
	if !errors.Is(err, ErrInvalidName) {
		t.Fatalf("got %v", err)
	}
	assertOnly(t, dir)
}

func TestWriteZipDuplicateNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, filepath.Join(dir, "a.js"), "a", 0o644)
	b := write(t, filepath.Join(dir, "b.js"), "b", 0o644)
	dest := filepath.Join(dir, "d.zip")
	if _, err := WriteZip(t.Context(), dest, []Entry{{Name: "x.js", Path: a}, {Name: "x.js", Path: a}}, nil); err != nil {
		t.Fatalf("same source twice must be fine: %v", err)
	}
	if _, err := WriteZip(t.Context(), dest, []Entry{{Name: "x.js", Path: a}, {Name: "x.js", Path: b}}, nil); !errors.Is(err, ErrDuplicateName) {
		t.Fatalf("got %v, want ErrDuplicateName", err)
	}
}

func TestSymlinkPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := write(t, filepath.Join(dir, "pkg/real.js"), "real", 0o644)
	outside := write(t, filepath.Join(dir, "outside/secret.txt"), "outside content", 0o644)
	inLink := filepath.Join(dir, "pkg/alias.js")
	outLink := filepath.Join(dir, "pkg/copy.txt")
	absLink := filepath.Join(dir, "pkg/abs.txt")
	dangling := filepath.Join(dir, "pkg/dangling.js")
	for link, to := range map[string]string{inLink: "real.js", outLink: "../outside/secret.txt", absLink: outside, dangling: "nope.js"} {
		if err := os.Symlink(to, link); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(dir, "s.zip")
	entries := []Entry{
		{Name: "pkg/real.js", Path: target},
		{Name: "pkg/alias.js", Path: inLink},
		{Name: "pkg/copy.txt", Path: outLink},
		{Name: "pkg/abs.txt", Path: absLink},
	}
	if _, err := WriteZip(t.Context(), dest, entries, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := readZip(t, dest)
	want := []zipEntry{
		{"pkg/abs.txt", 0o644, "outside content"},
		{"pkg/alias.js", fs.ModeSymlink | 0o777, "real.js"},
		{"pkg/copy.txt", 0o644, "outside content"},
		{"pkg/real.js", 0o644, "real"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("entries:\n got  %v\n want %v", got, want)
	}
	_, err := WriteZip(t.Context(), filepath.Join(dir, "d.zip"), []Entry{{Name: "d.js", Path: dangling}}, nil)
	if err == nil || !strings.Contains(err.Error(), "dangling.js") {
		t.Fatalf("dangling link: got %v", err)
	}
}

func TestWriteZipFailureKeepsPreviousArchive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "f.zip")
	good := write(t, filepath.Join(dir, "src/a.js"), "a", 0o644)
	if _, err := WriteZip(t.Context(), dest, []Entry{{Name: "a.js", Path: good}}, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(dest)
	_, err := WriteZip(t.Context(), dest, []Entry{{Name: "a.js", Path: good}, {Name: "b.js", Path: filepath.Join(dir, "src/missing.js")}}, nil)
	if err == nil {
		t.Fatal("want an error for a missing source")
	}
	after, _ := os.ReadFile(dest)
	if !bytes.Equal(before, after) {
		t.Fatal("a failed write changed the previous archive")
	}
	assertOnly(t, dir, "f.zip", "src")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := WriteZip(ctx, dest, []Entry{{Name: "a.js", Path: good}}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled: got %v", err)
	}
	assertOnly(t, dir, "f.zip", "src")
}

func TestWriteDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, filepath.Join(dir, "src/a.js"), "a", 0o600)
	exe := write(t, filepath.Join(dir, "src/run"), "#!/bin/sh", 0o700)
	link := filepath.Join(dir, "src/link.js")
	if err := os.Symlink("a.js", link); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out/fn")
	write(t, filepath.Join(dest, "stale.js"), "old", 0o644)
	entries := []Entry{{Name: "a.js", Path: a}, {Name: "bin/run", Path: exe}, {Name: "link.js", Path: link}, {Name: "fn.js", Data: []byte("entry")}}
	if err := WriteDir(t.Context(), dest, entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := os.Lstat(p)
		rel, _ := filepath.Rel(dest, p)
		got = append(got, rel+" "+fi.Mode().String())
		return nil
	})
	want := []string{"a.js -rw-r--r--", "bin/run -rwxr-xr-x", "fn.js -rw-r--r--", "link.js Lrwxrwxrwx"}
	if !slices.Equal(got, want) {
		t.Fatalf("tree:\n got  %q\n want %q (the stale file must be gone)", got, want)
	}
	assertOnly(t, filepath.Join(dir, "out"), "fn")
}

func TestCompressorSharesWork(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, filepath.Join(dir, "a.js"), strings.Repeat("shared ", 100), 0o644)
	comp := NewCompressor()
	for _, name := range []string{"one.zip", "two.zip"} {
		if _, err := WriteZip(t.Context(), filepath.Join(dir, name), []Entry{{Name: "a.js", Path: a}}, comp); err != nil {
			t.Fatal(err)
		}
	}
	if len(comp.blobs) != 1 {
		t.Fatalf("compressed %d times, want once", len(comp.blobs))
	}
}

// assertOnly checks that dir holds exactly the named entries (no temp
// files left behind).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
}

func TestDirectorySymlinkInsideArchive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := write(t, filepath.Join(dir, "nm/.pnpm/p@1/node_modules/p/index.js"), "p", 0o644)
	link := filepath.Join(dir, "nm/p")
	if err := os.Symlink(".pnpm/p@1/node_modules/p", link); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "l.zip")
	entries := []Entry{{Name: "node_modules/.pnpm/p@1/node_modules/p/index.js", Path: real}, {Name: "node_modules/p", Path: link}}
	if _, err := WriteZip(t.Context(), dest, entries, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := readZip(t, dest)
	want := []zipEntry{
		{"node_modules/.pnpm/p@1/node_modules/p/index.js", 0o644, "p"},
		{"node_modules/p", fs.ModeSymlink | 0o777, ".pnpm/p@1/node_modules/p"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("entries:\n got  %v\n want %v", got, want)
	}
	// A directory link whose target is not in the archive cannot be stored.
	_, err := WriteZip(t.Context(), dest, []Entry{{Name: "node_modules/p", Path: link}}, nil)
	if err == nil || !strings.Contains(err.Error(), "symlinked directory") {
		t.Fatalf("got %v", err)
	}
}

// ValidateName reads a name once; it answers what checking it with
// path.Clean and its split segments answers, for random names made of
// ordinary, dot, dot-dot and empty segments.
func TestValidateNameMatchesPathClean(t *testing.T) {
	byClean := func(name string) string {
		switch {
		case path.Clean(name) != name:
			return "not a clean path"
		case !utf8.ValidString(name):
			return "is not valid UTF-8"
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." || seg == "." {
				return "contains a dot segment"
			}
		}
		return ""
	}
	segs := []string{"a", "b", ".", "..", "", "...", "a..b", ".x", "\xff"}
	r := rand.New(rand.NewPCG(5, 9))
	for range 20000 {
		var parts []string
		for range 1 + r.IntN(5) {
			parts = append(parts, segs[r.IntN(len(segs))])
		}
		name := strings.Join(parts, "/")
		if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
			continue // refused before the segments are read
		}
		want := byClean(name)
		err := ValidateName(name)
		switch {
		case want == "" && err != nil:
			t.Fatalf("ValidateName(%q) = %v, want nil", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Fatalf("ValidateName(%q) = %v, want %q", name, err, want)
		}
	}
}
