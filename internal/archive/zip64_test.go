//go:build !race

// The race detector slows compression of this test's 4 GiB file about
// tenfold, so it is built without -race; make test runs it on its own.

package archive

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// An entry over 4 GiB makes the archive switch to zip64 fields, written
// while streaming (the file is never held in memory, and is deflated as
// it goes), and both Go's reader and unzip read it back with the right
// size and CRC.
func TestZip64HugeFile(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.bin")
	const size = 1<<32 + 1<<20 // 4 GiB + 1 MiB, sparse on disk
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), size-3); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dest := filepath.Join(dir, "out.zip")
	st, err := WriteZipLimited(t.Context(), dest, []Entry{{Name: "huge.bin", Path: huge}, {Name: "small.txt", Data: []byte("hi")}}, nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Unzipped != size+2 || st.Entries[0].Name != "huge.bin" {
		t.Errorf("stats %+v", st)
	}
	zr, err := zip.OpenReader(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 || zr.File[0].Name != "huge.bin" || zr.File[0].UncompressedSize64 != size {
		t.Fatalf("entries %+v", zr.File)
	}
	// Streamed (over streamThreshold) and still deflated.
	if f := zr.File[0]; f.Method != zip.Deflate || f.CompressedSize64 > size/100 {
		t.Errorf("huge.bin: method %d, %d compressed bytes; want deflated", f.Method, f.CompressedSize64)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc) // the reader checks the CRC at EOF
	if err != nil || n != size {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	out, err := exec.Command("unzip", "-l", dest).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "4296015872") {
		t.Errorf("unzip -l: %v\n%s", err, out)
	}
}
