package testfs

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"
)

// ZipEntry returns the content of one entry of the zip at path.
func ZipEntry(t testing.TB, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// RewriteZip copies the zip at src to dest (which may be src) with the
// entries named in replace given new contents; the others are copied as
// they are.
func RewriteZip(t testing.TB, src, dest string, replace map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		data, ok := replace[e.Name]
		if !ok {
			err = zw.Copy(e)
		} else if w, cerr := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate}); cerr != nil {
			err = cerr
		} else {
			_, err = w.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dest, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
