package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDirectWriterMatchesArchiveZip: the direct writer and archive/zip
// write the same bytes for the same entries: compressible, incompressible
// (stored), empty and executable files, generated data, a link between
// entries, non-ASCII names and a deep name, and the archive reads back
// with archive/zip, every entry's content and mode intact.
func TestDirectWriterMatchesArchiveZip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noise := make([]byte, 5000)
	rand.Read(noise)
	files := map[string]string{
		"a.js":                               strings.Repeat("exports.a = 1;\n", 300),
		"noise.bin":                          string(noise),
		"empty.js":                           "",
		"node_modules/ü/é.js":                "module.exports = 'ü';\n",
		"bin/run":                            "#!/bin/sh\necho run\n",
		strings.Repeat("d/", 40) + "deep.js": "deep\n",
	}
	var entries []Entry
	for name, content := range files {
		mode := os.FileMode(0o644)
		if name == "bin/run" {
			mode = 0o755
		}
		entries = append(entries, Entry{Name: name, Path: write(t, filepath.Join(dir, name), content, mode)})
	}
	if err := os.Symlink("a.js", filepath.Join(dir, "link.js")); err != nil {
		t.Fatal(err)
	}
	entries = append(entries,
		Entry{Name: "link.js", Path: filepath.Join(dir, "link.js")},
		Entry{Name: "generated.json", Data: []byte(`{"generated":true}`)},
		Entry{Name: "tiny", Data: []byte("x")})
	normalized, err := normalize(entries)
	if err != nil {
		t.Fatal(err)
	}
	comp := NewCompressor()
	items, err := resolve(normalized, comp)
	if err != nil {
		t.Fatal(err)
	}
	if !direct(items) {
		t.Fatal("the direct writer refuses these entries")
	}
	var viaZip, viaDirect bytes.Buffer
	for _, w := range []struct {
		out   *bytes.Buffer
		write func() error
	}{
		{&viaZip, func() error { return writeWithZip(t.Context(), bufio.NewWriter(&viaZip), items, comp, "zip") }},
		{&viaDirect, func() error { return writeDirect(t.Context(), bufio.NewWriter(&viaDirect), items, comp, "direct") }},
	} {
		if err := w.write(); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(viaZip.Bytes(), viaDirect.Bytes()) {
		t.Fatalf("the direct writer wrote %d bytes, archive/zip %d; they differ", viaDirect.Len(), viaZip.Len())
	}
	zr, err := zip.NewReader(bytes.NewReader(viaDirect.Bytes()), int64(viaDirect.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(entries) {
		t.Fatalf("%d entries read back, want %d", len(zr.File), len(entries))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		var got bytes.Buffer
		if _, err := got.ReadFrom(rc); err != nil {
			t.Fatalf("%s: %v", f.Name, err) // includes the CRC check
		}
		rc.Close()
		if want, ok := files[f.Name]; ok && got.String() != want {
			t.Errorf("%s: content differs", f.Name)
		}
		if f.Name == "bin/run" && f.Mode().Perm() != 0o755 || f.Name == "link.js" && f.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: mode %v", f.Name, f.Mode())
		}
	}
}

// TestDirectRefusesWhatNeedsArchiveZip: a file large enough to stream
// goes through archive/zip.
func TestDirectRefusesWhatNeedsArchiveZip(t *testing.T) {
	t.Parallel()
	if direct([]item{{Entry: Entry{Name: "big"}, real: "/big", size: streamThreshold}}) {
		t.Error("a streamed file went to the direct writer")
	}
	if !direct([]item{{Entry: Entry{Name: "small"}, real: "/small", size: streamThreshold - 1}}) {
		t.Error("a small file did not go to the direct writer")
	}
}
