package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type tarEntry struct {
	name    string
	typ     byte
	mode    int64
	content string // the link target for a symlink
}

func readTarGz(t *testing.T, path string) []tarEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !gz.ModTime.IsZero() || gz.Name != "" {
		t.Errorf("gzip header: time %v, name %q", gz.ModTime, gz.Name)
	}
	tr := tar.NewReader(gz)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(time.Unix(0, 0)) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.AccessTime.IsZero() {
			t.Errorf("%s: time %v, owner %d:%d %q:%q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		e := tarEntry{h.Name, h.Typeflag, h.Mode, string(b)}
		if h.Typeflag == tar.TypeSymlink {
			e.content = h.Linkname
		}
		out = append(out, e)
	}
}

func TestWriteTarGz(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	a := write(t, filepath.Join(src, "pkg", "a.js"), "module.exports = 1", 0o600)
	bin := write(t, filepath.Join(src, "pkg", "run"), "#!/bin/sh", 0o700)
	link := filepath.Join(src, "node_modules", "pkg")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink("../pkg", link); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("d/", 70) + "deep.js" // needs more than USTAR's 100-byte name
	entries := []Entry{
		{Name: "z.json", Data: []byte("{}")},
		{Name: "pkg/a.js", Path: a},
		{Name: "pkg/run", Path: bin},
		{Name: "node_modules/pkg", Path: link},
		{Name: long, Data: []byte("x")},
	}
	dest := filepath.Join(t.TempDir(), "out.tgz")
	size, err := WriteTarGz(t.Context(), dest, entries, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Size() != size {
		t.Fatalf("size %d, file %v", size, err)
	}
	want := []tarEntry{
		{long, tar.TypeReg, 0o644, "x"},
		{"node_modules/pkg", tar.TypeSymlink, 0o777, "../pkg"},
		{"pkg/a.js", tar.TypeReg, 0o644, "module.exports = 1"},
		{"pkg/run", tar.TypeReg, 0o755, "#!/bin/sh"},
		{"z.json", tar.TypeReg, 0o644, "{}"},
	}
	got := readTarGz(t, dest)
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	// The same entries in another order, with other file times, give the
	// same bytes.
	first, _ := os.ReadFile(dest)
	os.Chtimes(a, time.Now(), time.Unix(1e9, 0))
	dest2 := filepath.Join(t.TempDir(), "out.tgz")
	if _, err := WriteTarGz(t.Context(), dest2, []Entry{entries[4], entries[3], entries[2], entries[1], entries[0]}, nil); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(dest2); !bytes.Equal(first, second) {
		t.Error("the same entries wrote different bytes")
	}
}

func TestWriteTarGzFailureKeepsPrevious(t *testing.T) {
	t.Parallel()
	src, outside := t.TempDir(), t.TempDir()
	secret := write(t, filepath.Join(outside, "secret"), "token", 0o644)
	leak := filepath.Join(src, "leak")
	if err := os.Symlink(secret, leak); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.tgz")
	write(t, dest, "previous", 0o644)
	comp := NewCompressor()
	comp.Contain(src)
	for name, tc := range map[string]struct {
		entries []Entry
		err     error
	}{
		"outside the root": {[]Entry{{Name: "leak", Path: leak}}, ErrOutsideRoot},
		"bad name":         {[]Entry{{Name: "../x", Data: []byte("x")}}, ErrInvalidName},
		"missing file":     {[]Entry{{Name: "gone", Path: filepath.Join(src, "gone")}}, fs.ErrNotExist},
	} {
		if _, err := WriteTarGz(t.Context(), dest, tc.entries, comp); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.err)
		}
	}
	if data, _ := os.ReadFile(dest); string(data) != "previous" {
		t.Errorf("dest now holds %q", data)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("left behind: %v", left)
	}
}
