package bundler

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/archive"
)

// zipEntry is one entry of a crafted archive.
type craftedEntry struct {
	name    string
	data    string
	mode    fs.FileMode // 0: a regular file
	method  uint16
	flags   uint16
	crc     *uint32 // a lying CRC
	size    *uint64 // a lying uncompressed size
	deflate bool
}

func u32(v uint32) *uint32 { return &v }
func u64(v uint64) *uint64 { return &v }

// craft writes entries as they are, however wrong: CreateRaw lets the
// test set every header field.
func craft(t *testing.T, entries []craftedEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data := []byte(e.data)
		compressed := data
		method := e.method
		if e.deflate {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestSpeed)
			fw.Write(data)
			fw.Close()
			compressed, method = c.Bytes(), zip.Deflate
		}
		h := &zip.FileHeader{Name: e.name, Method: method, Flags: e.flags,
			CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(compressed)), UncompressedSize64: uint64(len(data))}
		if e.crc != nil {
			h.CRC32 = *e.crc
		}
		if e.size != nil {
			h.UncompressedSize64 = *e.size
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(compressed)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPrebuiltZipValidation: every way a prebuilt archive can reach
// outside the function, hide content or lie about itself is refused with
// the entry and the reason; sound archives pass.
func TestPrebuiltZipValidation(t *testing.T) {
	t.Parallel()
	ok := craftedEntry{name: "index.js", data: "exports.handler = async () => ({ statusCode: 200 })\n", deflate: true}
	bomb := strings.Repeat("\x00", 8<<20)
	cases := []struct {
		name    string
		entries []craftedEntry
		want    string // "" passes
	}{
		{"sound", []craftedEntry{ok, {name: "lib/", mode: fs.ModeDir | 0o755}, {name: "lib/a.js", data: "1", deflate: true}, {name: "lib/b.js", data: "a.js", mode: fs.ModeSymlink | 0o777}}, ""},
		{"parent segments", []craftedEntry{ok, {name: "../../x", data: "x"}}, `entry "../../x" has a name that would land outside the function`},
		{"absolute", []craftedEntry{ok, {name: "/etc/cron.d/x", data: "x"}}, `entry "/etc/cron.d/x" has a name`},
		{"backslash", []craftedEntry{ok, {name: `..\..\x`, data: "x"}}, "backslash"},
		{"drive letter", []craftedEntry{ok, {name: "C:/x", data: "x"}}, "absolute"},
		{"dot segment inside", []craftedEntry{ok, {name: "a/../../x", data: "x"}}, "has a name"},
		{"duplicate", []craftedEntry{ok, ok}, `entry "index.js" appears twice`},
		{"file and folder", []craftedEntry{ok, {name: "lib", data: "x"}, {name: "lib/a.js", data: "x"}}, `lies below "lib", which is a file`},
		{"encrypted", []craftedEntry{ok, {name: "secret.js", data: "x", flags: 0x1}}, "is encrypted"},
		{"unsupported method", []craftedEntry{ok, {name: "b.js", data: "x", method: 12}}, "compression method 12"},
		{"bad CRC", []craftedEntry{ok, {name: "b.js", data: "hello", crc: u32(1)}}, "CRC does not match"},
		{"size smaller than the data", []craftedEntry{ok, {name: "b.js", data: "hello world", size: u64(3), deflate: true}}, "is corrupt"},
		{"size larger than the data", []craftedEntry{ok, {name: "b.js", data: "hi", size: u64(50), deflate: true}}, "is corrupt"},
		{"size that wraps int64", []craftedEntry{ok, {name: "b.js", data: "hi", size: u64(1<<63 + 5), deflate: true}}, "is corrupt"},
		{"link to an absolute path", []craftedEntry{ok, {name: "shadow", data: "/etc/shadow", mode: fs.ModeSymlink | 0o777}}, `symbolic link to "/etc/shadow", outside the archive`},
		{"link climbing out", []craftedEntry{ok, {name: "lib/up", data: "../../etc/passwd", mode: fs.ModeSymlink | 0o777}}, "outside the archive"},
		{"zip bomb", []craftedEntry{ok, {name: "zeros", data: bomb, deflate: true}}, "over the 4.0 MiB limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "f.zip")
			if err := os.WriteFile(p, craft(t, tc.entries), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := validatePrebuiltZip(t.Context(), p, archive.Limits{Zipped: 50 << 20, Unzipped: 4 << 20})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("a sound archive is refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			case tc.want != "" && tc.name != "zip bomb" && !errors.Is(err, ErrBadPrebuiltZip):
				t.Fatalf("%v is not ErrBadPrebuiltZip", err)
			}
		})
	}
}

// FuzzPrebuiltZip feeds arbitrary bytes (seeded with crafted archives) to
// the validator: an error or success, never a panic or a hang, and a
// passing archive has only names that stay inside it.
func FuzzPrebuiltZip(f *testing.F) {
	t := &testing.T{}
	f.Add(craft(t, []craftedEntry{{name: "index.js", data: "x", deflate: true}}))
	f.Add(craft(t, []craftedEntry{{name: "../x", data: "x"}}))
	f.Add(craft(t, []craftedEntry{{name: "l", data: "/etc/shadow", mode: fs.ModeSymlink | 0o777}}))
	f.Add(craft(t, []craftedEntry{{name: "b", data: strings.Repeat("a", 4096), deflate: true, size: u64(1 << 40)}}))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := validatePrebuiltZip(t.Context(), p, archive.Limits{Zipped: 1 << 20, Unzipped: 1 << 20})
		if err != nil {
			return
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatalf("validated an archive that does not open: %v", err)
		}
		defer zr.Close()
		for _, e := range zr.File {
			if verr := archive.ValidateName(strings.TrimSuffix(e.Name, "/")); verr != nil {
				t.Fatalf("validated an archive with entry %q: %v", e.Name, verr)
			}
		}
	})
}
